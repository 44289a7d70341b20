import type pg from "pg";

import { ConfigError } from "../../errors.ts";
import { inTransaction, withClient } from "./pg-client.ts";
import type { Migration, Queries } from "./sql-files.ts";

async function applied(client: pg.ClientBase, queries: Queries, schema: string): Promise<number[]> {
  const ready = await client.query<{ ready: boolean }>(queries["migrate-ready"], [schema]);
  if (!ready.rows[0]?.ready) return [];
  const rows = await client.query<{ version: number }>(queries["migrate-applied"]);
  return rows.rows.map((r) => r.version);
}

function pending(migrations: Migration[], done: number[]): Migration[] {
  return migrations.filter((m) => !done.includes(m.version));
}

/**
 * Brings a schema up to date. An up-to-date schema costs two reads and takes no lock,
 * so a fleet restarting at once does not queue up. Otherwise one transaction takes the
 * schema's advisory lock, re-reads what is applied (another process may have just done
 * it), and applies the rest with their records, so concurrent starts apply each
 * migration exactly once and a failure leaves nothing half-done.
 */
export async function migrateSchema(
  pool: pg.Pool,
  queries: Queries,
  migrations: Migration[],
  schema: string,
): Promise<void> {
  const done = await withClient(pool, (client) => applied(client, queries, schema));
  if (pending(migrations, done).length === 0) return;
  await inTransaction(pool, async (client) => {
    await client.query(queries["migrate-lock"], [`errand:migrate:${schema}`]);
    await client.query(queries["migrate-create-schema"]);
    await client.query(queries["migrate-create-table"]);
    for (const migration of pending(migrations, await applied(client, queries, schema))) {
      await client.query(migration.sql);
      await client.query(queries["migrate-record"], [migration.version, migration.file]);
    }
  });
}

/**
 * For stores told not to migrate: checks the schema is up to date and says what to do
 * when it is not, instead of failing later on a missing table.
 */
export async function checkSchema(
  pool: pg.Pool,
  queries: Queries,
  migrations: Migration[],
  schema: string,
): Promise<void> {
  const done = await withClient(pool, (client) => applied(client, queries, schema));
  const missing = pending(migrations, done);
  if (missing.length > 0) {
    throw new ConfigError(
      `The PostgreSQL schema "${schema}" lacks migrations ${missing.map((m) => m.file).join(", ")}, and this store was created with migrate: false. Run errand.migrate() once from a store with migrate: true (e.g. in your deploy step).`,
    );
  }
}
