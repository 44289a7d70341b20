import pg from "pg";

import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";

/** Options of {@link PostgresStore}. Give `pool` or `connectionString`, not both. */
export interface PostgresStoreOptions {
  /**
   * The application's pool, shared: the store never ends it. Give it a
   * `connectionTimeoutMillis` so calls fail fast while the server is down.
   */
  pool?: pg.Pool;
  /**
   * A `postgres://` URL; the store makes and owns a pool of up to 10 connections with a
   * 5 s connect timeout. Without `pool` or this, pg reads the PG* environment variables.
   */
  connectionString?: string;
  /** The schema holding Errand's tables. Default `"errand"`. */
  schema?: string;
  /**
   * Whether `migrate()` (run by Errand on first use) creates and upgrades the schema.
   * Default true. With false it only checks the schema is current, for roles without
   * DDL rights; migrate from a deploy step instead.
   */
  migrate?: boolean;
  /** Where connection trouble is reported. Default: nowhere (workers log their retries). */
  logger?: Logger;
}

const OPTION_KEYS = new Set(["pool", "connectionString", "schema", "migrate", "logger"]);

/** Checks the options of `new PostgresStore()`; throws ConfigError saying what is wrong. */
export function checkOptions(options: PostgresStoreOptions): void {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("new PostgresStore() takes an options object.");
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw new ConfigError(`new PostgresStore(): unknown option "${key}".`);
  }
  if (options.pool !== undefined && options.connectionString !== undefined)
    throw new ConfigError("new PostgresStore(): give either pool or connectionString, not both.");
  if (options.pool !== undefined && !(options.pool instanceof pg.Pool))
    throw new ConfigError("new PostgresStore(): pool must be a pg.Pool.");
}

/** The pool a store makes for itself when not given one. */
export function ownPool(connectionString: string | undefined): pg.Pool {
  return new pg.Pool({
    ...(connectionString === undefined ? {} : { connectionString }),
    max: 10,
    // Producers get StoreUnavailableError within seconds while the server is down,
    // instead of waiting for a connection forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "errand",
  });
}
