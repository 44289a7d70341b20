import { resolve } from "node:path";

import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Store } from "./contract.ts";
import { checkSchemaName } from "./postgres/schema-name.ts";

/** The embedded default: a SQLite file under the working directory. */
export const DEFAULT_STORE_URL = "sqlite:./.errand/errand.db";

/** A store URL taken apart: which store, and how to open it. */
export type StoreLocation =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; connectionString: string; schema: string | undefined }
  | { kind: "redis"; url: string; prefix?: string };

/**
 * `postgres://` and `postgresql://` URLs go to pg as they are, except for an optional
 * `?schema=name` that is Errand's own and is taken out first.
 */
function parsePostgresUrl(url: string): StoreLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `The PostgreSQL URL "${url}" is not a valid URL; use e.g. "postgres://user@127.0.0.1:5432/app?schema=errand".`,
    );
  }
  const schema = parsed.searchParams.get("schema");
  parsed.searchParams.delete("schema");
  return {
    kind: "postgres",
    connectionString: parsed.toString(),
    schema: schema === null ? undefined : checkSchemaName(schema),
  };
}

/** `redis://` and `rediss://` URLs; `?prefix=name` sets the key prefix and is not passed on. */
function parseRedisUrl(url: string): StoreLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`The Redis URL "${url}" is not a valid URL; use "redis://host:6379/0".`);
  }
  const prefix = parsed.searchParams.get("prefix");
  parsed.searchParams.delete("prefix");
  const rest = parsed.toString();
  return prefix === null ? { kind: "redis", url: rest } : { kind: "redis", url: rest, prefix };
}

/**
 * Parses a store URL: `sqlite:./file.db`, `sqlite:/abs/file.db`, `sqlite:///abs/file.db`,
 * `sqlite::memory:`, `postgres://…` / `postgresql://…` with an optional `?schema=`, or
 * `redis://…` / `rediss://…` with an optional `?prefix=`.
 * Throws ConfigError for anything else, saying what is accepted.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== "string" || url.trim() === "") {
    throw new ConfigError(
      `The store URL must be a non-empty string such as "${DEFAULT_STORE_URL}".`,
    );
  }
  if (url.startsWith("sqlite:")) {
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    const query = path.indexOf("?");
    if (query >= 0) path = path.slice(0, query);
    if (path === "")
      throw new ConfigError(
        `The SQLite URL "${url}" names no file; use "sqlite:./jobs.db" or "sqlite::memory:".`,
      );
    return { kind: "sqlite", path: path === ":memory:" ? path : resolve(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme === "postgres" || scheme === "postgresql") return parsePostgresUrl(url);
  if (scheme === "redis" || scheme === "rediss") return parseRedisUrl(url);
  throw new ConfigError(
    `Unknown store URL "${url}": use "sqlite:./file.db", "sqlite::memory:", "postgres://user@host:5432/db" or "redis://host:6379/0".`,
  );
}

/** Opens the store a URL names; `logger` gets the store's own warnings (connection trouble). */
export async function openStore(url: string, options: { logger?: Logger } = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  if (location.kind === "redis") {
    const { RedisStore } = await import("./redis/redis-store.ts");
    return new RedisStore({ url: location.url, prefix: location.prefix, logger: options.logger });
  }
  if (location.kind === "postgres") {
    const { PostgresStore } = await import("./postgres/postgres-store.ts");
    return new PostgresStore({
      connectionString: location.connectionString,
      ...(location.schema === undefined ? {} : { schema: location.schema }),
    });
  }
  const { SqliteStore } = await import("./sqlite/sqlite-store.ts");
  return new SqliteStore({ path: location.path });
}
