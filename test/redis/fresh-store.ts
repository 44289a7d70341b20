/*
 * A fresh, migrated Redis store for each test of a describe block, under a prefix of its
 * own, with a raw client beside it for tests that read the store's keys directly.
 */
import { afterEach, beforeEach } from "node:test";

import { Redis } from "ioredis";

import { RedisKeys } from "../../src/stores/redis/keys.ts";
import type { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { redisHarness, TEST_REDIS_URL } from "../harness/redis-harness.ts";
import type { StoreTarget } from "../harness/store-harness.ts";

export interface FreshRedisStore {
  store: RedisStore;
  /** A plain client on the same server. */
  raw: Redis;
  /** The key base of `queue` under this test's prefix. */
  base: string;
}

/** Registers the before/after hooks; read the fields inside tests. */
export function freshRedisStore(queue: string): FreshRedisStore {
  const fresh = {} as FreshRedisStore;
  let target: StoreTarget;
  beforeEach(async () => {
    target = await redisHarness().prepare();
    fresh.store = target.open() as RedisStore;
    await fresh.store.migrate();
    const prefix = new URL(target.url as string).searchParams.get("prefix") as string;
    fresh.base = new RedisKeys(prefix).queue(queue);
    fresh.raw = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    fresh.raw.disconnect();
    await fresh.store.close();
    await target.cleanup();
  });
  return fresh;
}
