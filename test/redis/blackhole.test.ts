/*
 * Network faults between a worker and Redis (issue 7, scenario 6, short form); the
 * scenario itself is test/harness/network-faults.ts. Also: an ioredis socket timer left
 * armed by a connection cut with a reply owed must not tear down its replacement.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Redis } from "ioredis";

import { Errand } from "../../src/errand.ts";
import { ConfigError, StoreUnavailableError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { BlackholeProxy } from "../harness/blackhole-proxy.ts";
import { CALL_TIMEOUT_MS, runNetworkFaults, until, warningLog } from "../harness/network-faults.ts";
import { redisHarness, TEST_REDIS_URL } from "../harness/redis-harness.ts";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe("network faults on Redis", () => {
  it("timeout options are checked, and refused next to a client of the caller's", () => {
    const client = new Redis({ lazyConnect: true });
    for (const options of [
      { commandTimeoutMs: 0 },
      { keepAliveMs: -1 },
      { commandTimeoutMs: 2.5 },
      { client, commandTimeoutMs: 1_000 },
    ]) {
      assert.throws(() => new RedisStore(options), ConfigError, Object.keys(options).join());
    }
    client.disconnect();
  });

  it("a connection cut with a reply owed does not take down the one that replaces it", async () => {
    const server = new URL(TEST_REDIS_URL);
    const proxy = await BlackholeProxy.start({
      host: server.hostname,
      port: Number(server.port || 6379),
    });
    const viaProxy = new URL(TEST_REDIS_URL);
    viaProxy.port = String(proxy.port);
    const target = await redisHarness().prepare();
    cleanups.push(() => target.cleanup());
    const prefix = new URL(target.url as string).searchParams.get("prefix") as string;
    const store = new RedisStore({
      url: viaProxy.toString(),
      prefix,
      commandTimeoutMs: CALL_TIMEOUT_MS,
      logger: silentLogger,
    });
    try {
      await store.counts({ queue: "default" });
      // A reply held up by latency is owed when the connection is cut.
      proxy.latency(300);
      const owed = store.counts({ queue: "default" }).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 50));
      proxy.reset();
      proxy.heal();
      assert.ok((await owed) instanceof StoreUnavailableError);
      await until(async () => {
        try {
          await store.counts({ queue: "default" });
          return true;
        } catch {
          return false;
        }
      }, "the store to reconnect");
      const connections = proxy.accepted;
      // Past the old socket's timer: the new connection must still be the one in use.
      await new Promise((resolve) => setTimeout(resolve, CALL_TIMEOUT_MS + 500));
      await store.counts({ queue: "default" });
      assert.equal(proxy.accepted, connections, "the new connection was torn down");
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it(
    "blackhole, latency and reset: detected within two heartbeats, resumed within 5 s, 0 lost",
    { timeout: 60_000 },
    async () => {
      const target = await redisHarness().prepare();
      cleanups.push(() => target.cleanup());
      const prefix = new URL(target.url as string).searchParams.get("prefix") as string;
      const server = new URL(TEST_REDIS_URL);
      const proxy = await BlackholeProxy.start({
        host: server.hostname,
        port: Number(server.port || 6379),
      });
      const viaProxy = new URL(TEST_REDIS_URL);
      viaProxy.port = String(proxy.port);
      const { logger, warnings } = warningLog();
      const producer = new Errand({
        store: new RedisStore({ url: TEST_REDIS_URL, prefix }),
        logger: false,
      });
      const workerStore = new RedisStore({
        url: viaProxy.toString(),
        prefix,
        commandTimeoutMs: CALL_TIMEOUT_MS,
        logger,
      });
      const worker = new Errand({ store: workerStore, logger });
      await runNetworkFaults({ label: "redis", proxy, producer, worker, warnings });
    },
  );
});
