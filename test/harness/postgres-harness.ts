import { randomBytes } from "node:crypto";

import pg from "pg";

import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import type { StoreHarness } from "./store-harness.ts";

/** The test server; ERRAND_TEST_PG overrides it. */
export const TEST_PG_URL = process.env.ERRAND_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema name for one test: `errand_t_<random>`. */
export function testSchemaName(): string {
  return `errand_t_${randomBytes(6).toString("hex")}`;
}

/** Drops a schema this test created (never any other). */
export async function dropTestSchema(schema: string): Promise<void> {
  if (!/^errand_t_[0-9a-f]{12}$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A fresh schema per test on the local server, dropped after the test. */
export function postgresHarness(): StoreHarness {
  return {
    name: "postgres",
    async prepare() {
      const schema = testSchemaName();
      return {
        open: () => new PostgresStore({ connectionString: TEST_PG_URL, schema }),
        url: `${TEST_PG_URL}?schema=${schema}`,
        cleanup: () => dropTestSchema(schema),
      };
    },
  };
}
