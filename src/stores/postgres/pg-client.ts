import type pg from "pg";

import { isConnectionError } from "./pg-errors.ts";

/** What the store needs of a connection: pg's Client, PoolClient and Pool all fit. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** True when `value` looks like a pg client (or anything with pg's `query(text, values)`). */
export function isQueryable(value: unknown): value is Queryable {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { query?: unknown }).query === "function"
  );
}

/**
 * Runs `fn` on one pooled connection. A checked-out client has no error listener of the
 * pool's, and a socket that dies between two queries makes the client emit "error",
 * which would crash the process unheard; the listener here keeps it quiet (the next
 * query fails instead). A client left in an unknown state is destroyed, not reused.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, markBroken: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken ??= error;
  };
  client.on("error", onError);
  try {
    return await fn(client, onError);
  } catch (error) {
    // A query that timed out may still be running on a connection that stopped
    // delivering; reusing it would queue the next caller behind the lost reply.
    if (isConnectionError(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/**
 * Runs `fn` inside BEGIN ... COMMIT on one pooled connection, rolling back when it
 * throws. A failed rollback marks the connection broken so it is not reused mid-transaction.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client, markBroken) => {
    await client.query("BEGIN");
    try {
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // On a connection that failed, a ROLLBACK would only wait out another timeout;
      // dropping the connection rolls the transaction back on the server.
      if (isConnectionError(error)) throw error;
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        markBroken(rollbackError as Error);
      });
      throw error;
    }
  });
}
