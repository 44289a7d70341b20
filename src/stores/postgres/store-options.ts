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
  /**
   * The timeouts below apply to the pool the store makes (not to a `pool` you pass: set
   * pg's own options on it). How long opening a connection may take. Default 5 s.
   */
  connectTimeoutMs?: number;
  /**
   * How long one query may wait for its reply before the call fails with
   * StoreUnavailableError and the connection is dropped. Without it, a network that
   * silently stops delivering (a dead NAT entry, a blackholing firewall) hangs the call
   * forever. Default 30 s.
   */
  queryTimeoutMs?: number;
  /** TCP keep-alive: idle time before the first probe. Default 10 s; 0 turns keep-alive off. */
  keepAliveMs?: number;
  /**
   * The server ends a session that sits this long inside a transaction, so a client
   * lost mid-transaction does not hold row locks forever. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
}

/** What the store's own pool is made with, every timeout resolved. */
export interface PoolSettings {
  connectionString: string | undefined;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  keepAliveMs: number;
  idleInTransactionTimeoutMs: number;
}

const DEFAULTS = {
  connectTimeoutMs: 5_000,
  queryTimeoutMs: 30_000,
  keepAliveMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
} as const;

const TIMEOUT_KEYS = Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[];

const OPTION_KEYS = new Set([
  "pool",
  "connectionString",
  "schema",
  "migrate",
  "logger",
  ...TIMEOUT_KEYS,
]);

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
  for (const key of TIMEOUT_KEYS) {
    const value = options[key];
    if (value === undefined) continue;
    if (options.pool !== undefined)
      throw new ConfigError(
        `new PostgresStore(): ${key} applies to the pool the store makes; set pg's own options on the pool you pass.`,
      );
    const least = key === "keepAliveMs" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least)
      throw new ConfigError(
        `new PostgresStore(): ${key} must be a whole number of milliseconds of ${least} or more, got ${String(value)}.`,
      );
  }
}

/** The settings of the store's own pool: the options given, defaults for the rest. */
export function poolSettings(options: PostgresStoreOptions): PoolSettings {
  return {
    connectionString: options.connectionString,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULTS.queryTimeoutMs,
    keepAliveMs: options.keepAliveMs ?? DEFAULTS.keepAliveMs,
    idleInTransactionTimeoutMs:
      options.idleInTransactionTimeoutMs ?? DEFAULTS.idleInTransactionTimeoutMs,
  };
}

/** The pool a store makes for itself when not given one. */
export function ownPool(settings: PoolSettings): pg.Pool {
  const { connectionString } = settings;
  return new pg.Pool({
    ...(connectionString === undefined ? {} : { connectionString }),
    max: 10,
    // Producers get StoreUnavailableError within seconds while the server is down,
    // instead of waiting for a connection forever.
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // A reply that never comes (the network stopped delivering but kept the socket)
    // fails the call; the pool then drops that connection rather than reuse it.
    query_timeout: settings.queryTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: settings.keepAliveMs > 0,
    keepAliveInitialDelayMillis: settings.keepAliveMs,
    application_name: "errand",
  });
}
