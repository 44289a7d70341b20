/*
 * Eight processes start at once against a fresh schema and all migrate it: the
 * advisory lock makes exactly one of them apply each migration, and none fails.
 */
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { migrationsFor } from "../../src/stores/postgres/sql-files.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const PROCESSES = 8;
const CHILD = fileURLToPath(new URL("./fixtures/migrate-process.ts", import.meta.url));

type ChildMessage = { type: "ready" } | { type: "migrated" } | { type: "failed"; message: string };

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    child.once("message", (message) => resolve(message as ChildMessage));
    child.once("exit", (code) => reject(new Error(`a migrating process exited (${code})`)));
  });
}

const schema = testSchemaName();
after(() => dropTestSchema(schema));

describe("migrating on PostgreSQL", () => {
  it(
    `${PROCESSES} processes migrating one fresh schema at once apply each migration once`,
    { timeout: 60_000 },
    async () => {
      const url = `${TEST_PG_URL}?schema=${schema}`;
      const children = Array.from({ length: PROCESSES }, () =>
        fork(CHILD, [url], {
          execArgv: ["--import", "tsx"],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      );
      try {
        const ready = await Promise.all(children.map(nextMessage));
        assert.ok(ready.every((m) => m.type === "ready"));
        const outcomes = children.map(nextMessage);
        for (const child of children) child.send({ type: "go" });
        const results = await Promise.all(outcomes);
        assert.deepEqual(
          results.filter((r) => r.type !== "migrated"),
          [],
          "some process failed to migrate",
        );
        await Promise.all(
          children.map((child) => (child.exitCode === null ? once(child, "exit") : null)),
        );
      } finally {
        for (const child of children) child.kill();
      }

      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        const applied = await client.query<{ version: number; n: number }>(
          `SELECT version, count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.migrations GROUP BY version ORDER BY version`,
        );
        assert.deepEqual(
          applied.rows,
          migrationsFor(schema).map((m) => ({ version: m.version, n: 1 })),
        );
      } finally {
        await client.end();
      }
      // The schema they built works.
      const errand = new Errand({ store: `${TEST_PG_URL}?schema=${schema}`, logger: false });
      try {
        const job = await errand.enqueue("after.migrate", {}, { queue: "q" });
        assert.equal((await errand.jobs.get(job.id))?.state, "waiting");
      } finally {
        await errand.close();
      }
    },
  );
});
