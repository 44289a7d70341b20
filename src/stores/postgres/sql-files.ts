import pg from "pg";

import { listStoreFiles, loadStoreFile } from "../load-file.ts";
import { checkSchemaName } from "./schema-name.ts";

/** Every query file of the PostgreSQL store, by name (the file name without `.sql`). */
export const QUERY_NAMES = [
  "enqueue",
  "enqueue-announced",
  "enqueue-one-announced",
  "find-live-keys",
  "find-recent-key",
  "throttle-lock",
  "debounce",
  "claim",
  "claim-lock",
  "claim-state",
  "claim-heads",
  "claim-group-counts",
  "claim-lease",
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
  "pause-task",
  "resume-task",
  "paused-tasks",
  "block",
  "prune-blocks",
  "upsert-schedule",
  "remove-schedule",
  "list-schedules",
  "due-schedules",
  "fire-schedule",
  "publish",
  "publish-lines",
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

/*
 * The schema's name is the only thing ever put into SQL text, and only through these
 * markers, replaced once when the files are loaded. The name was checked against a
 * plain identifier pattern (schema-name.ts) and is quoted by pg's escapeIdentifier, so it
 * can neither break out of the identifier nor clash with a keyword.
 */
const SCHEMA_MARKER = /\/\* schema \*\//g;
const CHANNEL_MARKER = /\/\* channel \*\//g;

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
