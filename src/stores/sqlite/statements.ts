import type Database from "better-sqlite3";

import { loadStoreFile } from "../load-file.ts";

/** Every query file of the SQLite store, by name (the file name without `.sql`). */
export const QUERY_NAMES = [
  "now",
  "find-live-key",
  "enqueue",
  "claim",
  "next-due",
  "extend",
  "settle-complete",
  "settle-remove",
  "settle-retry",
  "settle-dead",
  "settle-release",
  "settle-complete-many",
  "settle-remove-many",
  "settle-retry-many",
  "settle-dead-many",
  "settle-release-many",
  "settle-postpone-many",
  "rescue",
  "progress",
  "log",
  "get",
  "list",
  "counts",
  "retry",
  "retry-select",
  "cancel",
  "state-of",
  "remove",
  "prune-age",
  "prune-count",
  "pause",
  "paused-queues",
  "publish",
  "read-events",
  "data-version",
  "last-event",
  "prune-events",
  "insert-raw",
  "debounce",
  "find-recent-key",
  "claim-buckets",
  "claim-head",
  "claim-head-plain",
  "claim-cursors",
  "last-served",
  "set-cursor",
  "drop-cursors",
  "count-active",
  "count-active-group",
  "count-starts",
  "count-starts-group",
  "record-start",
  "prune-starts",
  "next-unblock",
  "settle-postpone",
  "block",
  "prune-blocks",
  "pause-task",
  "resume-task",
  "paused-tasks",
  "upsert-schedule",
  "remove-schedule",
  "list-schedules",
  "due-schedules",
  "fire-schedule",
] as const;

export type QueryName = (typeof QUERY_NAMES)[number];

export type Statements = Record<QueryName, Database.Statement>;

/** Queries whose rows come back as arrays in column order (see ClaimRow in rows.ts). */
const RAW_ROWS: ReadonlySet<QueryName> = new Set(["claim"]);

/** Queries of one column whose rows come back as its bare values (settle.ts). */
const PLUCKED: ReadonlySet<QueryName> = new Set([
  "settle-complete-many",
  "settle-remove-many",
  "settle-retry-many",
  "settle-dead-many",
  "settle-release-many",
  "settle-postpone-many",
]);

/** Reads and prepares every query once per connection. */
export function prepareStatements(db: Database.Database): Statements {
  const entries = QUERY_NAMES.map((name) => {
    const statement = db.prepare(loadStoreFile(`sqlite/queries/${name}.sql`));
    if (RAW_ROWS.has(name)) statement.raw(true);
    else if (PLUCKED.has(name)) statement.pluck(true);
    return [name, statement];
  });
  return Object.fromEntries(entries) as Statements;
}
