import { resolve } from "node:path";

import { ConfigError } from "../errors.ts";
import type { Store } from "./contract.ts";

/** The embedded default: a SQLite file under the working directory. */
export const DEFAULT_STORE_URL = "sqlite:./.errand/errand.db";

/** A store URL taken apart: which store, and how to open it. */
export type StoreLocation = { kind: "sqlite"; path: string };

/**
 * Parses a store URL: `sqlite:./file.db`, `sqlite:/abs/file.db`, `sqlite:///abs/file.db`
 * or `sqlite::memory:`. Throws ConfigError for anything else, saying what is accepted.
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
  if (
    scheme === "postgres" ||
    scheme === "postgresql" ||
    scheme === "redis" ||
    scheme === "rediss"
  ) {
    throw new ConfigError(
      `The ${scheme} store is not part of this release yet; use a "sqlite:" URL, or pass a Store instance.`,
    );
  }
  throw new ConfigError(`Unknown store URL "${url}": use "sqlite:./file.db" or "sqlite::memory:".`);
}

/** Opens the store a URL names. */
export async function openStore(url: string): Promise<Store> {
  const location = parseStoreUrl(url);
  const { SqliteStore } = await import("./sqlite/sqlite-store.ts");
  return new SqliteStore({ path: location.path });
}
