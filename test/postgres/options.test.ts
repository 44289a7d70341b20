/*
 * How a PostgreSQL store is configured: URLs with ?schema=, schema names, store options,
 * and migrate: false for roles that may not run DDL.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { ConfigError } from "../../src/errors.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { parseStoreUrl } from "../../src/stores/url.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
after(() => dropTestSchema(...schemas));

describe("PostgreSQL store configuration", () => {
  it("a postgres URL keeps its own parameters and gives up ?schema= to Errand", () => {
    assert.deepEqual(
      parseStoreUrl("postgresql://u:p%40ss@db:5433/app?schema=jobs&sslmode=disable"),
      {
        kind: "postgres",
        connectionString: "postgresql://u:p%40ss@db:5433/app?sslmode=disable",
        schema: "jobs",
      },
    );
    assert.deepEqual(parseStoreUrl("postgres://db/app"), {
      kind: "postgres",
      connectionString: "postgres://db/app",
      schema: undefined,
    });
  });

  it("schema names that are not plain identifiers are refused before any SQL", () => {
    for (const bad of ['a"; drop table x; --', "1abc", "", "x".repeat(49), "with space"]) {
      assert.throws(
        () => parseStoreUrl(`postgres://db/app?schema=${encodeURIComponent(bad)}`),
        ConfigError,
      );
      assert.throws(() => new PostgresStore({ schema: bad }), ConfigError);
    }
    assert.throws(() => new Errand({ store: "postgres://db/app?schema=no-dashes" }), ConfigError);
  });

  it("store options are checked when given", () => {
    const pool = new pg.Pool({ connectionString: TEST_PG_URL });
    try {
      assert.throws(() => new PostgresStore({ pool, connectionString: TEST_PG_URL }), ConfigError);
      assert.throws(
        () => new PostgresStore({ schemaName: "x" } as unknown as Record<string, never>),
        /unknown option "schemaName"/,
      );
      assert.throws(
        () => new PostgresStore({ pool: {} as unknown as pg.Pool }),
        /pool must be a pg.Pool/,
      );
    } finally {
      void pool.end();
    }
  });

  it("with migrate: false a store checks the schema instead of creating it", async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const readOnly = new Errand({
      store: new PostgresStore({ connectionString: TEST_PG_URL, schema, migrate: false }),
      logger: false,
    });
    const deployer = new Errand({ store: `${TEST_PG_URL}?schema=${schema}`, logger: false });
    try {
      await assert.rejects(readOnly.migrate(), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /001-init\.sql/);
        return true;
      });
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      const exists = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
        [schema],
      );
      await client.end();
      assert.equal(exists.rows[0]?.n, 0, "migrate: false created the schema");
      await deployer.migrate();
      const job = await readOnly.enqueue("ro.job", {});
      assert.equal((await deployer.jobs.get(job.id))?.state, "waiting");
    } finally {
      await readOnly.close();
      await deployer.close();
    }
  });
});
