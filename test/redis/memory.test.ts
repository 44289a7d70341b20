/*
 * 100,000 jobs enqueued, claimed and completed through the store with a short retention
 * (keepCompleted "1s", pruned as a worker prunes): Redis's used_memory must come back
 * near where it started, so finished jobs leave nothing behind. Runs on this test's own
 * redis-server, so other users of the shared one cannot skew the figures.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Redis } from "ioredis";

import { silentLogger } from "../../src/logger.ts";
import { pruneBefore, resolveRetention } from "../../src/policy/retention.ts";
import type { NewJob } from "../../src/stores/contract.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { hasRedisServer, RedisServer } from "./redis-servers.ts";

const JOBS = 100_000;
const BATCH = 1_000;

function newJob(i: number): NewJob {
  return {
    name: "report.build",
    queue: "reports",
    data: JSON.stringify({ tenant: `tenant-${i % 50}`, report: i, format: "pdf" }),
    priority: i % 3,
    runAt: null,
    delayMs: 0,
    attempts: 3,
    maxStalls: 3,
    key: `report-${i}`,
    group: null,
  };
}

/** INFO's plain used_memory at each measurement, for the record. */
const rawUsed: number[] = [];

/**
 * The server's used_memory, less two things that say nothing about jobs: what client
 * connections hold (a connection keeps an input buffer sized by its last large command
 * for a while), and the keyspace's hash table, which Redis shrinks lazily in its
 * background cron once most keys are gone. The slow log is emptied first too: it keeps
 * the arguments of slow commands (big batches qualify).
 */
async function usedMemory(admin: Redis): Promise<number> {
  await admin.call("SLOWLOG", "RESET");
  const info = await admin.info("memory");
  rawUsed.push(Number(/^used_memory:(\d+)/m.exec(info)?.[1]));
  const stats = (await admin.call("MEMORY", "STATS")) as unknown[];
  const field = (name: string) => Number(stats[stats.indexOf(name) + 1]);
  const db = stats[stats.indexOf("db.0") + 1] as unknown[];
  const table = Number(db[db.indexOf("overhead.hashtable.main") + 1]);
  return field("total.allocated") - field("clients.normal") - table;
}

/** One batch through its whole life: enqueued, claimed, completed with a result. */
async function runBatch(store: RedisStore, from: number, size: number, now: number): Promise<void> {
  const jobs = Array.from({ length: size }, (_, i) => newJob(from + i));
  await store.enqueue({ jobs, now });
  const { jobs: claimed } = await store.claim({
    queues: ["reports"],
    limit: size,
    leaseMs: 30_000,
    workerId: "memory-test",
    now,
  });
  assert.equal(claimed.length, size);
  // A log line on every tenth job, so retention is seen to delete logs too.
  await store.log({
    entries: claimed
      .filter((_, i) => i % 10 === 0)
      .map((j) => ({ id: j.id, token: j.token, message: "rendered" })),
    now,
  });
  const applied = await store.settle({
    outcomes: claimed.map((j) => ({
      kind: "complete" as const,
      id: j.id,
      token: j.token,
      result: JSON.stringify({ pages: 12, bytes: 48_213 }),
      remove: false,
    })),
    now,
  });
  assert.ok(applied.every(Boolean));
}

describe("Redis memory", { skip: !hasRedisServer() && "redis-server is not installed" }, () => {
  it("memory returns near its start after 100,000 jobs complete with a short retention", async () => {
    const server = await RedisServer.start(["--appendonly", "no"]);
    const admin = new Redis(server.url);
    const store = new RedisStore({ url: server.url, prefix: "memory", logger: silentLogger });
    const retention = resolveRetention("1s", "1d", "keepCompleted");
    const prune = (now: number) =>
      store.prune({
        queues: ["reports"],
        completed: { before: pruneBefore(retention, now), keep: retention.count },
        failed: { before: null, keep: null },
        limit: 100_000,
      });
    try {
      await store.migrate();
      let now = Date.now();
      // One job through every script first, so the script cache is in the baseline.
      await runBatch(store, -1, 1, now);
      now += 2_000;
      assert.equal(await prune(now), 1);
      const before = await usedMemory(admin);
      const keysBefore = await admin.dbsize();
      let peak = before;
      let pruned = 0;
      for (let from = 0; from < JOBS; from += BATCH) {
        await runBatch(store, from, BATCH, now);
        now += 100;
        if ((from / BATCH) % 10 === 9) {
          peak = Math.max(peak, await usedMemory(admin));
          pruned += await prune(now);
        }
      }
      peak = Math.max(peak, await usedMemory(admin));
      now += 2_000;
      pruned += await prune(now);
      const after = await usedMemory(admin);
      const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
      console.log(
        `memory test: ${JOBS} jobs completed, ${pruned} pruned (keepCompleted "1s"); ` +
          `used_memory (less client buffers and key table) before ${kib(before)}, peak ${kib(peak)}, after ${kib(after)} ` +
          `(after - before = ${after - before} bytes); INFO used_memory before ` +
          `${kib(rawUsed[0] as number)}, peak ${kib(Math.max(...rawUsed))}, after ${kib(rawUsed[rawUsed.length - 1] as number)}`,
      );
      assert.equal(pruned, JOBS);
      assert.deepEqual(await store.counts({ queue: "reports", now }), {
        scheduled: 0,
        waiting: 0,
        active: 0,
        completed: 0,
        dead: 0,
        cancelled: 0,
      });
      assert.ok(
        peak - before > 1024 * 1024,
        "the retained jobs never took memory: nothing was measured",
      );
      // No key of any job is left (hash, logs, index sets emptied), and memory is back to
      // its start up to bookkeeping noise (tens of KiB either way).
      assert.equal(await admin.dbsize(), keysBefore);
      assert.ok(after - before < 96 * 1024, `${after - before} bytes were left behind`);
    } finally {
      await store.close();
      admin.disconnect();
      await server.stop();
    }
  });
});
