import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SqliteStore } from "../../src/stores/sqlite/sqlite-store.ts";
import type { StoreHarness } from "./store-harness.ts";

/** A fresh SQLite file per test, in a folder per run, so parallel runs never share a file. */
export function sqliteHarness(): StoreHarness {
  const dir = join(tmpdir(), `errand-test-${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    name: "sqlite",
    async prepare() {
      const path = join(dir, `t${++n}.db`);
      return {
        open: () => new SqliteStore({ path, eventPollMs: 10 }),
        url: `sqlite:${path}`,
        async cleanup() {
          for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
        },
      };
    },
  };
}
