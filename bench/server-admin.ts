/**
 * Chores on the shared servers, run by the parent only: checking they answer, dropping a
 * schema the bench created, deleting a key prefix the bench created. Cleanup refuses any
 * name that is not one of the bench's own.
 */
import { Redis } from "ioredis";
import pg from "pg";

import { PG_URL, REDIS_URL } from "./servers.ts";

/** Runs `fn` with one short-lived PostgreSQL client. */
export async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops a schema the bench created (the name is checked to be one of ours). */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^bench_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  await withPg((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** Runs `fn` with one short-lived Redis connection. */
export async function withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let failure: Error | null = null;
  redis.on("error", (error: Error) => (failure ??= error));
  try {
    // A refused connection rejects with "Connection is closed"; the error event says why.
    await redis.connect().catch((error: unknown) => {
      throw failure ?? error;
    });
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key that starts with a prefix the bench created. */
export async function deleteKeys(prefix: string): Promise<void> {
  if (!/^bench_[a-z0-9_]+$/.test(prefix)) throw new Error(`refusing to delete keys of ${prefix}`);
  await withRedis(async (redis) => {
    // Hash-tagged layouts put the prefix inside braces, so match both forms.
    for (const match of [`${prefix}*`, `{${prefix}}*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== "0");
    }
  });
}

/** Throws a readable reason when PostgreSQL does not answer. */
export async function checkPostgres(): Promise<void> {
  try {
    await withPg((client) => client.query("SELECT 1"));
  } catch (error) {
    throw new Error(`PostgreSQL at ${PG_URL} does not answer (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** Throws a readable reason when Redis does not answer. */
export async function checkRedis(): Promise<void> {
  try {
    await withRedis((redis) => redis.ping());
  } catch (error) {
    throw new Error(`Redis at ${REDIS_URL} does not answer (${(error as Error).message})`, {
      cause: error,
    });
  }
}
