/*
 * Named prepared statements. pg sends a query with a name as Parse once per connection
 * and then only Bind/Execute, so the server neither parses it again nor re-plans the
 * statement that calls a hot-path function. Only on the store's own pool: a pool the
 * application shares with Errand may sit behind a pooler in transaction mode, where a
 * statement prepared on one server connection is unknown on the next.
 */
import { createHash } from "node:crypto";

import type pg from "pg";

import type { Queryable } from "./pg-client.ts";
import type { Queries, QueryName } from "./sql-files.ts";

/** A statement's name: derived from its text (which holds the schema), so two stores on
 * one pool, or two releases, never give one name to different texts. */
export function statementName(text: string): string {
  return `errand_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}

/** Runs the store's query files, as named statements or as plain text. */
export class Statements {
  private readonly names = new Map<QueryName, string>();

  constructor(
    readonly queries: Queries,
    /** Whether to prepare: true only for connections of the store's own pool. */
    readonly named: boolean,
  ) {}

  /** The same queries, never prepared: for connections that are not the store's own. */
  unnamed(): Statements {
    return this.named ? new Statements(this.queries, false) : this;
  }

  query<R extends pg.QueryResultRow>(
    db: Queryable,
    name: QueryName,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const text = this.queries[name];
    if (!this.named) return db.query<R>(text, values);
    let statement = this.names.get(name);
    if (statement === undefined) {
      statement = statementName(text);
      this.names.set(name, statement);
    }
    // Named only on the store's own pool, whose connections are pg's and take a config.
    return (db as pg.Pool | pg.ClientBase).query<R>({ name: statement, text, values });
  }
}
