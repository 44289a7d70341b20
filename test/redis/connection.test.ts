/*
 * What only the Redis store has: its behaviour without a server, the eviction-policy
 * warning, and key names that keep one queue on one Cluster slot.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Redis } from "ioredis";

import { Errand } from "../../src/errand.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { jobId, parseJobId, RedisKeys } from "../../src/stores/redis/keys.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { deletePrefix, TEST_REDIS_URL, testPrefix } from "../harness/redis-harness.ts";
import { freePort, hasRedisServer, RedisServer } from "./redis-servers.ts";

function capture(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { logger: { ...silentLogger, warn: (m) => void warnings.push(m) }, warnings };
}

/** The hash tag Redis Cluster hashes: between the first "{" and the next "}". */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe("Redis store without a server", () => {
  it("a producer gets StoreUnavailableError at once, and again while it reconnects", async () => {
    const { logger, warnings } = capture();
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, logger });
    const errand = new Errand({ store, logger: false });
    try {
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        await assert.rejects(errand.enqueue("t", {}), StoreUnavailableError);
        assert.ok(Date.now() - started < 3_000, "the refusal took too long");
      }
      assert.equal(warnings.filter((w) => w.includes("connection error")).length, 1);
    } finally {
      await errand.close();
    }
  });

  it("a closed store refuses calls with StoreUnavailableError", async () => {
    const store = new RedisStore({ url: TEST_REDIS_URL, prefix: testPrefix() });
    await store.close();
    await assert.rejects(store.counts({ queue: "q" }), StoreUnavailableError);
  });
});

describe(
  "Redis eviction policy",
  { skip: !hasRedisServer() && "redis-server is not installed" },
  () => {
    for (const [policy, expected] of [
      ["allkeys-lru", 1],
      ["noeviction", 0],
    ] as const) {
      it(`maxmemory-policy ${policy} gives ${expected} warning on connect`, async () => {
        const server = await RedisServer.start(["--maxmemory-policy", policy]);
        const { logger, warnings } = capture();
        const store = new RedisStore({ url: server.url, logger });
        try {
          await store.migrate();
          await store.counts({ queue: "q" });
          const about = warnings.filter((w) => w.includes("maxmemory-policy"));
          assert.equal(about.length, expected);
          if (expected > 0) assert.match(about[0] as string, /noeviction/);
        } finally {
          await store.close();
          await server.stop();
        }
      });
    }
  },
);

describe("Redis keys", () => {
  it("ids carry the queue unambiguously, even when its name holds ':'", () => {
    for (const queue of ["emails", "a:b", "1:2", "{x}", "%7B", "tenant:{7}:jobs"]) {
      assert.deepEqual(parseJobId(jobId(1795515179450956, queue)), {
        n: "1795515179450956",
        queue,
      });
    }
    assert.equal(parseJobId("42"), null);
    assert.equal(parseJobId("042:q"), null);
    assert.equal(parseJobId("x:q"), null);
  });

  it("every key of a queue carries one hash tag, distinct per queue name", async () => {
    const prefix = testPrefix();
    const store = new RedisStore({ url: TEST_REDIS_URL, prefix });
    const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    const queues = ["plain", "a:b", "a}:b", "{a", "%7Ba", "%"];
    try {
      const jobs = queues.map((queue) => ({
        name: "t",
        queue,
        data: "{}",
        priority: 0,
        runAt: null,
        delayMs: 0,
        attempts: 1,
        maxStalls: 1,
        key: "k",
        group: null,
        debounceMs: null,
        throttleMs: null,
      }));
      const enqueued = await store.enqueue({ jobs });
      const claimed = await store.claim({ queues, limit: 10, leaseMs: 1000, workerId: "w" });
      assert.equal(claimed.jobs.length, queues.length);
      await store.log({
        entries: claimed.jobs.map((j) => ({ id: j.id, token: j.token, message: "x" })),
      });
      const records = await store.get({ ids: enqueued.map((r) => r.id) });
      assert.deepEqual(
        records.map((r) => r?.queue),
        queues,
      );
      await admin.connect();
      const keys = await admin.keys(`${prefix}:*`);
      const tags = new Set<string>();
      for (const queue of queues) {
        const base = new RedisKeys(prefix).queue(queue);
        const own = keys.filter((k) => k.startsWith(base));
        assert.ok(own.length >= 5, `queue ${queue} has keys ${own.join(", ")}`);
        const tagged = new Set(own.map(hashTag));
        assert.equal(tagged.size, 1, `queue ${queue} spans tags ${[...tagged].join(", ")}`);
        tags.add([...tagged][0] as string);
      }
      assert.equal(tags.size, queues.length);
    } finally {
      await store.close();
      await deletePrefix(admin, prefix);
      admin.disconnect();
    }
  });
});
