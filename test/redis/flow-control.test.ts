/*
 * Flow control where the Redis store's layout matters: the per-queue copies of paused
 * tasks, the bookkeeping keys that claims leave behind, and schedules that move queue.
 * The behaviour itself is covered by the conformance suite.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Redis } from "ioredis";

import { RedisKeys } from "../../src/stores/redis/keys.ts";
import { runScript } from "../../src/stores/redis/script-loader.ts";
import type { ConformanceContext } from "../conformance/context.ts";
import { useConformanceContext } from "../conformance/context.ts";
import { claimWith, complete } from "../conformance/flow-claims.ts";
import { redisHarness, TEST_REDIS_URL } from "../harness/redis-harness.ts";

const ctx = useConformanceContext(redisHarness());

/** The test store's key prefix, from the URL the harness gives child processes. */
function prefixOf(c: ConformanceContext): string {
  return new URL(c.target.url as string).searchParams.get("prefix") as string;
}

/** Runs `fn` with a plain client on the test server. */
async function withClient<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Every key of the test store, without the prefix, sorted. */
function keysOf(c: ConformanceContext): Promise<string[]> {
  const prefix = prefixOf(c);
  return withClient(async (client) => {
    const found = await client.keys(`${prefix}:*`);
    return found.map((k) => k.slice(prefix.length + 1)).sort();
  });
}

describe("Redis flow control: paused tasks", () => {
  it("a queue first used after a task was paused holds the task too", async () => {
    const c = ctx();
    await c.errand.tasks.pause("held");
    // Another process, which has never seen the queue, creates it.
    const other = c.newErrand();
    await other.enqueue("held", null, { queue: "late" });
    await other.enqueue("free", null, { queue: "late" });
    const during = await claimWith(c, { queues: ["late"], store: c.openStore() });
    assert.deepEqual(
      during.jobs.map((j) => j.name),
      ["free"],
    );
    await c.errand.tasks.resume("held");
    const after = await claimWith(c, { queues: ["late"] });
    assert.deepEqual(
      after.jobs.map((j) => j.name),
      ["held"],
    );
  });

  it("a queue's copy never takes an older pause over a newer resume", async () => {
    const c = ctx();
    await c.errand.enqueue("held", null);
    await c.errand.tasks.pause("held");
    const keys = new RedisKeys(prefixOf(c));
    const paused = await withClient((client) => client.hget(`${keys.tasks}paused-tasks`, "held"));
    const [version] = (paused as string).split(":");
    await c.errand.tasks.resume("held");
    // A copy written late with the pause's version, as a queue registered meanwhile would.
    await withClient((client) =>
      runScript(client, "pause-task", keys.queue("default"), ["held", "1", version as string]),
    );
    assert.equal(await c.errand.tasks.isPaused("held"), false);
    assert.equal((await claimWith(c)).jobs.length, 1);
  });
});

describe("Redis flow control: bookkeeping keys", () => {
  it("lanes, buckets, turns and running counts are gone once the jobs are", async () => {
    const c = ctx();
    const before = await keysOf(c);
    for (const group of ["a", "b", undefined]) {
      for (let i = 0; i < 3; i++)
        await c.errand.enqueue("t", null, group === undefined ? {} : { group });
    }
    const limits = { t: { concurrency: 5, groupConcurrency: 2, groupWeights: { a: 2 } } };
    const during = await keysOf(c);
    assert.ok(during.some((k) => k.includes(":lane:")));
    for (;;) {
      const { jobs } = await claimWith(c, { limits, limit: 2 });
      if (jobs.length === 0) break;
      await complete(c, jobs);
    }
    assert.equal((await c.errand.queues.counts("default")).completed, 9);
    const left = (await keysOf(c)).filter((k) => !before.includes(k));
    const bookkeeping = left.filter((k) => /:(lane|lanes|groups|turns|running)(:|$)/.test(k));
    assert.deepEqual(bookkeeping, []);
  });

  it("throttle windows that have ended are dropped", async () => {
    const c = ctx();
    for (let i = 0; i < 5; i++) await c.errand.enqueue("t", null, { key: `k${i}`, throttle: "1s" });
    const throttled = (await keysOf(c)).filter((k) => k.endsWith(":throttled"));
    assert.equal(throttled.length, 1);
    c.clock.advance("1s");
    await c.errand.enqueue("t", null, { key: "late", throttle: "1s" });
    const prefix = prefixOf(c);
    const fields = await withClient((client) =>
      client.hkeys(`${prefix}:${throttled[0] as string}`),
    );
    assert.deepEqual(fields, ["late"]);
  });
});

describe("Redis flow control: schedules", () => {
  it("a schedule whose task moves queue moves with its next run", async () => {
    const c = ctx();
    c.clock.set(Date.parse("2026-01-01T00:10:00Z"));
    await c.errand.schedule("report", { cron: "0 * * * *", options: { queue: "old" } });
    c.clock.set(Date.parse("2026-01-01T00:20:00Z"));
    await c.errand.schedule("report", { cron: "0 * * * *", options: { queue: "new" } });
    const schedules = await c.errand.schedules.list();
    assert.deepEqual(
      schedules.map((s) => [s.name, s.queue, s.nextRunAt?.toISOString()]),
      [["report", "new", "2026-01-01T01:00:00.000Z"]],
    );
    const keys = await keysOf(c);
    assert.ok(keys.some((k) => k.startsWith("{q:new}:schedule:")));
    assert.ok(!keys.some((k) => k.startsWith("{q:old}:schedule")));
  });
});
