/**
 * Where the shared servers are, and fresh names on them. Names always carry a random
 * part, so parallel runs (and other tests on the same servers) never collide. Kept free
 * of client libraries: worker processes import it, and their memory is measured.
 */
import { randomBytes } from "node:crypto";

/** The PostgreSQL database every PostgreSQL system uses. Override with BENCH_PG_URL. */
export const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The Redis every Redis system uses. Override with BENCH_REDIS_URL. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A fresh lower-case identifier, valid as a schema name, queue name and key prefix. */
export function freshName(system: string): string {
  return `bench_${system.replace(/[^a-z0-9]/g, "_")}_${randomBytes(5).toString("hex")}`;
}

/** Host and port of the Redis URL, for clients that take them apart. */
export function redisEndpoint(): { host: string; port: number } {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379) };
}
