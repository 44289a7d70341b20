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
import { newJob } from "../harness/new-job.ts";
import { hasRedisServer, RedisServer } from "./redis-servers.ts";

const JOBS = 100_000;
const BATCH = 1_000;

function reportJob(i: number): NewJob {
  return newJob({
    name: "report.build",
    queue: "reports",
    data: JSON.stringify({ tenant: `tenant-${i % 50}`, report: i, format: "pdf" }),
    priority: i % 3,
    key: `report-${i}`,
  });
}

async function stat(admin: Redis): Promise<{ used: number; keyTable: number }> {
  const stats = (await admin.call("MEMORY", "STATS")) as unknown[];
  const db = (stats[stats.indexOf("db.0") + 1] ?? []) as unknown[];
  return {
    used: Number(stats[stats.indexOf("total.allocated") + 1]),
    keyTable: Number(db[db.indexOf("overhead.hashtable.main") + 1] ?? 0),
  };
}

/**
 * The server's used_memory once it has settled: Redis shrinks the keyspace's hash table
 * in its background cron some time after most keys are gone, so this waits (at most
 * 5 s) for that. The slow log is emptied first: it keeps the arguments of slow commands
 * (big batches qualify), which is diagnostics, not job data.
 */
async function settledMemory(admin: Redis): Promise<number> {
  await admin.call("SLOWLOG", "RESET");
  const deadline = Date.now() + 5_000;
  let current = await stat(admin);
  while (current.keyTable > 1024 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    current = await stat(admin);
  }
  return current.used;
}

/** One batch through its whole life: enqueued, claimed, completed with a result. */
async function runBatch(store: RedisStore, from: number, size: number, now: number): Promise<void> {
  const jobs = Array.from({ length: size }, (_, i) => reportJob(from + i));
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
      // One full batch through every script first, so the script cache and the buffers
      // the server grows once for large commands are in the baseline.
      await runBatch(store, -BATCH, BATCH, now);
      now += 2_000;
      assert.equal(await prune(now), BATCH);
      const before = await settledMemory(admin);
      const keysBefore = await admin.dbsize();
      let peak = before;
      let pruned = 0;
      for (let from = 0; from < JOBS; from += BATCH) {
        await runBatch(store, from, BATCH, now);
        now += 100;
        if ((from / BATCH) % 10 === 9) {
          peak = Math.max(peak, (await stat(admin)).used);
          pruned += await prune(now);
        }
      }
      peak = Math.max(peak, (await stat(admin)).used);
      now += 2_000;
      pruned += await prune(now);
      const after = await settledMemory(admin);
      const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
      console.log(
        `memory test: ${JOBS} jobs completed, ${pruned} pruned (keepCompleted "1s"); ` +
          `used_memory before ${kib(before)}, peak ${kib(peak)}, after ${kib(after)} ` +
          `(after - before = ${after - before} bytes)`,
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
      // its start up to connection buffers and other bookkeeping (tens of KiB).
      assert.equal(await admin.dbsize(), keysBefore);
      assert.ok(after - before < 128 * 1024, `${after - before} bytes were left behind`);
    } finally {
      await store.close();
      admin.disconnect();
      await server.stop();
    }
  });
});
