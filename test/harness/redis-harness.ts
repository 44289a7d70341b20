import { randomBytes } from "node:crypto";

import { Cluster, Redis } from "ioredis";

import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import type { StoreHarness } from "./store-harness.ts";

/** The Redis the tests use; override with ERRAND_TEST_REDIS_URL. */
export const TEST_REDIS_URL = process.env.ERRAND_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

/** Deletes every key under `prefix` with SCAN MATCH, node by node; never FLUSH*. */
export async function deletePrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  if (client.status === "wait") await client.connect();
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      // One DEL per key: on a Cluster node the keys of one batch span several slots.
      await Promise.all(keys.map((key) => node.del(key)));
    } while (cursor !== "0");
  }
}

/** A fresh random key prefix per test. */
export function testPrefix(): string {
  return `errand-t-${randomBytes(6).toString("hex")}`;
}

/**
 * Redis stores on the shared local server, isolated by a fresh key prefix per test; the
 * test's keys are deleted afterwards. `url` carries the prefix, for child processes.
 */
export function redisHarness(url: string = TEST_REDIS_URL): StoreHarness {
  return {
    name: "redis",
    async prepare() {
      const prefix = testPrefix();
      return {
        open: () => new RedisStore({ url, prefix }),
        url: `${url}${url.includes("?") ? "&" : "?"}prefix=${prefix}`,
        async cleanup() {
          const admin = new Redis(url, { lazyConnect: true });
          try {
            await deletePrefix(admin, prefix);
          } finally {
            admin.disconnect();
          }
        },
      };
    },
  };
}

/**
 * Redis stores on a Redis Cluster, each on its own Cluster client, isolated by prefix.
 * Child processes cannot reach it through a URL, so `url` is null.
 */
export function redisClusterHarness(
  startupNodes: () => Promise<{ host: string; port: number }[]>,
): StoreHarness {
  const connect = (nodes: { host: string; port: number }[]) =>
    new Cluster(nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 0 },
    });
  return {
    name: "redis-cluster",
    async prepare() {
      const nodes = await startupNodes();
      const prefix = testPrefix();
      const clients: Cluster[] = [];
      return {
        open: () => {
          const client = connect(nodes);
          clients.push(client);
          return new RedisStore({ client, prefix });
        },
        url: null,
        async cleanup() {
          const admin = new Cluster(nodes, { lazyConnect: true });
          try {
            await deletePrefix(admin, prefix);
          } finally {
            admin.disconnect();
            for (const client of clients) client.disconnect();
          }
        },
      };
    },
  };
}
