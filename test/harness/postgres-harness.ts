import { randomBytes } from "node:crypto";
import { after } from "node:test";

import pg from "pg";

import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import type { StoreHarness } from "./store-harness.ts";

/** The test server; ERRAND_TEST_PG overrides it. */
export const TEST_PG_URL = process.env.ERRAND_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema name for one test: `errand_t_<random>`. */
export function testSchemaName(): string {
  return `errand_t_${randomBytes(6).toString("hex")}`;
}

/** Drops schemas these tests created (never any other), a few per statement. */
export async function dropTestSchema(...schemas: string[]): Promise<void> {
  for (const schema of schemas) {
    if (!/^errand_t_[0-9a-f]{12}$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  }
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    for (let i = 0; i < schemas.length; i += 20) {
      const names = schemas.slice(i, i + 20).map((s) => pg.escapeIdentifier(s));
      await client.query(`DROP SCHEMA IF EXISTS ${names.join(", ")} CASCADE`);
    }
  } finally {
    await client.end();
  }
}

/**
 * A fresh schema per test on the local server. Stores share one pool per test file, as
 * stores of one application share its pool: opening new server connections for every
 * test would dominate the run. Schemas are dropped together after the file's last test
 * (one drop per test costs about 50 ms), so a crashed run leaves its schemas behind for
 * inspection.
 */
export function postgresHarness(): StoreHarness {
  const used: string[] = [];
  let pool: pg.Pool | null = null;
  after(async () => {
    await pool?.end();
    await dropTestSchema(...used.splice(0));
  });
  return {
    name: "postgres",
    async prepare() {
      const schema = testSchemaName();
      pool ??= new pg.Pool({
        connectionString: TEST_PG_URL,
        max: 20,
        connectionTimeoutMillis: 5_000,
      });
      // An idle connection dropped by the server must not crash the test process.
      if (pool.listenerCount("error") === 0) pool.on("error", () => undefined);
      const shared = pool;
      return {
        open: () => new PostgresStore({ pool: shared, schema }),
        url: `${TEST_PG_URL}?schema=${schema}`,
        cleanup: async () => {
          used.push(schema);
        },
      };
    },
  };
}
