/*
 * A fresh isolated store per chaos run, opened by URL so worker processes can share it:
 * a SQLite file in a scratch folder, a PostgreSQL schema, or a Redis key prefix. The
 * server can be the shared one or a throwaway one the run owns (store crashes).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

import { Redis } from "ioredis";

import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";
import { deletePrefix, TEST_REDIS_URL, testPrefix } from "../harness/redis-harness.ts";

export type StoreKind = "sqlite" | "postgres" | "redis";
export const STORE_KINDS: StoreKind[] = ["sqlite", "postgres", "redis"];

export interface ChaosTarget {
  kind: StoreKind;
  url: string;
  /** SQLite only: the database file. */
  path?: string;
  cleanup(): Promise<void>;
}

/** `server` overrides the shared server's URL (a throwaway PostgreSQL or Redis). */
export function prepareTarget(kind: StoreKind, dir: string, server?: string): ChaosTarget {
  if (kind === "sqlite") {
    const path = join(dir, "chaos.db");
    return {
      kind,
      url: `sqlite:${path}`,
      path,
      cleanup: async () => {
        for (const s of ["", "-wal", "-shm"]) rmSync(path + s, { force: true });
      },
    };
  }
  if (kind === "postgres") {
    const base = server ?? TEST_PG_URL;
    const schema = testSchemaName();
    return {
      kind,
      url: `${base}?schema=${schema}`,
      // A throwaway server is deleted whole; only the shared one needs the schema dropped.
      cleanup: async () => (server ? undefined : dropTestSchema(schema)),
    };
  }
  const base = server ?? TEST_REDIS_URL;
  const prefix = testPrefix();
  return {
    kind,
    url: `${base}?prefix=${prefix}`,
    cleanup: async () => {
      if (server) return;
      const admin = new Redis(base, { lazyConnect: true });
      try {
        await deletePrefix(admin, prefix);
      } finally {
        admin.disconnect();
      }
    },
  };
}
