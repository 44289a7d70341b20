import pg from "pg";

import { ConfigError } from "../../errors.ts";
import { listStoreFiles, loadStoreFile } from "../load-file.ts";

/** Every query file of the PostgreSQL store, by name (the file name without `.sql`). */
export const QUERY_NAMES = [
  "enqueue",
  "find-live-keys",
  "claim",
  "next-due",
  "extend",
  "settle",
  "rescue",
  "progress",
  "log",
  "get",
  "list",
  "counts",
  "retry",
  "cancel",
  "remove",
  "prune-age",
  "prune-count",
  "pause",
  "paused-queues",
  "publish",
  "listen",
  "insert-raw",
  "migrate-ready",
  "migrate-applied",
  "migrate-lock",
  "migrate-create-schema",
  "migrate-create-table",
  "migrate-record",
] as const;

export type QueryName = (typeof QUERY_NAMES)[number];

/** The SQL text of every query, with the schema and channel filled in. */
export type Queries = Readonly<Record<QueryName, string>>;

/** One numbered migration, ready to run. */
export interface Migration {
  version: number;
  file: string;
  sql: string;
}

/** The default schema. */
export const DEFAULT_SCHEMA = "errand";

/*
 * The schema's name is the only thing ever put into SQL text, and only through these
 * markers, replaced once when the files are loaded. The name is checked against a
 * plain identifier pattern and then quoted by pg's escapeIdentifier, so it can neither
 * break out of the identifier nor clash with a keyword. 48 characters leave room for the
 * channel prefix within PostgreSQL's 63-byte limit on names.
 */
const SCHEMA_MARKER = /\/\* schema \*\//g;
const CHANNEL_MARKER = /\/\* channel \*\//g;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** Checks a schema name; throws ConfigError saying what is accepted. */
export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new ConfigError(
      `The PostgreSQL schema name ${JSON.stringify(schema)} is not accepted: use 1 to 48 letters, digits and underscores, not starting with a digit (default "${DEFAULT_SCHEMA}").`,
    );
  }
  return schema;
}

/** The NOTIFY channel of a schema's store: every process using the schema listens on it. */
export function channelOf(schema: string): string {
  return `errand:${schema}`;
}

function fill(sql: string, schema: string): string {
  return sql
    .replace(SCHEMA_MARKER, pg.escapeIdentifier(schema))
    .replace(CHANNEL_MARKER, pg.escapeIdentifier(channelOf(schema)));
}

const cache = new Map<string, { queries: Queries; migrations: Migration[] }>();

function load(schema: string): { queries: Queries; migrations: Migration[] } {
  let loaded = cache.get(schema);
  if (!loaded) {
    const queries = Object.fromEntries(
      QUERY_NAMES.map((name) => [
        name,
        fill(loadStoreFile(`postgres/queries/${name}.sql`), schema),
      ]),
    ) as Queries;
    const migrations = listStoreFiles("postgres/migrations")
      .filter((file) => /^\d{3}-.+\.sql$/.test(file))
      .sort()
      .map((file) => ({
        version: Number(file.slice(0, 3)),
        file,
        sql: fill(loadStoreFile(`postgres/migrations/${file}`), schema),
      }));
    loaded = { queries, migrations };
    cache.set(checkSchemaName(schema), loaded);
  }
  return loaded;
}

/** Every query of a schema's store, read once per schema. */
export function queriesFor(schema: string): Queries {
  return load(checkSchemaName(schema)).queries;
}

/** The numbered migrations of a schema's store, in order. */
export function migrationsFor(schema: string): Migration[] {
  return load(checkSchemaName(schema)).migrations;
}
