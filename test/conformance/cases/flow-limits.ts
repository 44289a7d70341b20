import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { TaskLimits } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimWith, complete, perGroup } from "../flow-claims.ts";
import { FAST_WORKER } from "../job-waits.ts";

/** Enqueues `n` jobs of task `name` one after another, and returns their ids in order. */
async function enqueueN(
  c: ConformanceContext,
  name: string,
  n: number,
  options: { group?: string; priority?: number; queue?: string } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await c.errand.enqueue(name, null, options)).id);
  return ids;
}

const limited = (limits: TaskLimits): Record<string, TaskLimits> => ({ limited: limits });

function registerConcurrency(ctx: () => ConformanceContext): void {
  it("concurrency caps the running jobs of a task across claims and connections", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 5);
    const limits = limited({ concurrency: 2 });
    const first = await claimWith(c, { limits });
    assert.equal(first.jobs.length, 2);
    assert.equal((await claimWith(c, { limits, store: c.openStore() })).jobs.length, 0);
    await complete(c, first.jobs.slice(0, 1));
    const next = await claimWith(c, { limits, store: c.openStore() });
    assert.equal(next.jobs.length, 1);
    assert.equal((await c.errand.queues.counts("default")).active, 2);
  });

  it("jobs over a limit stay waiting and spend no attempt", async () => {
    const c = ctx();
    const ids = await enqueueN(c, "limited", 3);
    const { jobs } = await claimWith(c, { limits: limited({ concurrency: 1 }) });
    assert.deepEqual(
      jobs.map((j) => j.id),
      ids.slice(0, 1),
    );
    for (const id of ids.slice(1)) {
      const info = await c.errand.jobs.get(id);
      assert.deepEqual([info?.state, info?.attempt], ["waiting", 0]);
    }
  });

  it("a limited task does not hold back other tasks in its queue", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 3, { priority: 10 });
    const free = await enqueueN(c, "free", 2);
    const { jobs } = await claimWith(c, { limits: limited({ concurrency: 1 }) });
    assert.deepEqual(jobs.map((j) => j.name).sort(), ["free", "free", "limited"]);
    assert.ok(free.every((id) => jobs.some((j) => j.id === id)));
  });

  it("connections claiming at once never start more than the limit together", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 30);
    const limits = limited({ concurrency: 3 });
    const stores = [c.store, c.openStore(), c.openStore(), c.openStore()];
    const results = await Promise.all(
      stores.flatMap((store) => [claimWith(c, { limits, store }), claimWith(c, { limits, store })]),
    );
    assert.equal(
      results.reduce((sum, r) => sum + r.jobs.length, 0),
      3,
    );
    assert.equal((await c.errand.queues.counts("default")).active, 3);
  });

  it("group concurrency caps each group; jobs without a group are exempt", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 3, { group: "a" });
    await enqueueN(c, "limited", 2, { group: "b" });
    await enqueueN(c, "limited", 2);
    const limits = limited({ groupConcurrency: 1 });
    const { jobs } = await claimWith(c, { limits });
    assert.deepEqual(perGroup(jobs), ["-:2", "a:1", "b:1"]);
    await complete(
      c,
      jobs.filter((j) => j.group === "a"),
    );
    assert.deepEqual(perGroup((await claimWith(c, { limits })).jobs), ["a:1"]);
  });
}

function registerRates(ctx: () => ConformanceContext): void {
  it("a rate limit allows at most max starts in any window of per", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 10);
    const limits = limited({ rate: { max: 3, perMs: 1_000 } });
    const first = await claimWith(c, { limits });
    assert.equal(first.jobs.length, 3);
    await complete(c, first.jobs);
    assert.equal((await claimWith(c, { limits })).jobs.length, 0, "finished starts still count");
    c.clock.advance(999);
    assert.equal((await claimWith(c, { limits })).jobs.length, 0);
    c.clock.advance(1);
    assert.equal((await claimWith(c, { limits })).jobs.length, 3);
  });

  it("the window slides: starts leave it one by one as they age", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 10);
    const limits = limited({ rate: { max: 3, perMs: 1_000 } });
    assert.equal((await claimWith(c, { limits, limit: 1 })).jobs.length, 1);
    c.clock.advance(500);
    assert.equal((await claimWith(c, { limits })).jobs.length, 2);
    c.clock.advance(500);
    assert.equal((await claimWith(c, { limits })).jobs.length, 1, "only the first start left");
    c.clock.advance(499);
    assert.equal((await claimWith(c, { limits, store: c.openStore() })).jobs.length, 0);
    c.clock.advance(1);
    assert.equal((await claimWith(c, { limits })).jobs.length, 2);
  });

  it("a group rate limit counts each group's starts on its own", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 3, { group: "a" });
    await enqueueN(c, "limited", 3, { group: "b" });
    const limits = limited({ groupRate: { max: 2, perMs: 60_000 } });
    assert.deepEqual(perGroup((await claimWith(c, { limits })).jobs), ["a:2", "b:2"]);
    assert.equal((await claimWith(c, { limits })).jobs.length, 0);
    c.clock.advance("1m");
    assert.deepEqual(perGroup((await claimWith(c, { limits })).jobs), ["a:1", "b:1"]);
  });

  it("task and group limits apply together", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 4, { group: "a" });
    await enqueueN(c, "limited", 4, { group: "b" });
    const limits = limited({ concurrency: 3, groupConcurrency: 2 });
    const { jobs } = await claimWith(c, { limits });
    assert.equal(jobs.length, 3);
    assert.ok(perGroup(jobs).every((g) => Number(g.split(":")[1]) <= 2));
  });
}

function registerRelease(ctx: () => ConformanceContext): void {
  it("a concurrency slot is freed when its job settles, is rescued, cancelled or removed", async () => {
    const c = ctx();
    await enqueueN(c, "limited", 6);
    const limits = limited({ concurrency: 1 });
    const take = async () => {
      const { jobs } = await claimWith(c, { limits, leaseMs: 1_000 });
      assert.equal(jobs.length, 1);
      assert.equal((await claimWith(c, { limits })).jobs.length, 0, "the slot is taken");
      return jobs[0]!;
    };
    await complete(c, [await take()]);
    const retried = await take();
    await c.store.settle({
      outcomes: [
        { kind: "retry", id: retried.id, token: retried.token, error: "{}", delayMs: 60_000 },
      ],
      now: c.clock.now(),
    });
    const cancelled = await take();
    assert.equal(await c.errand.jobs.cancel(cancelled.id), true);
    const removed = await take();
    assert.equal(await c.errand.jobs.remove(removed.id), true);
    await take();
    c.clock.advance(1_001);
    assert.equal((await c.store.rescue({ limit: 10, now: c.clock.now() })).length, 1);
    await take();
  });
}

function registerRuntime(ctx: () => ConformanceContext): void {
  it("workers in two processes together never run more than the task's concurrency", async () => {
    const c = ctx();
    let running = 0;
    let most = 0;
    const handler = async (): Promise<void> => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 15));
      running -= 1;
    };
    const other = c.newErrand();
    for (const errand of [c.errand, other])
      errand.task({ name: "flow.capped", concurrency: 2, handler });
    const jobs = await Promise.all(
      Array.from({ length: 10 }, () => c.errand.enqueue("flow.capped", null)),
    );
    c.errand.work({ ...FAST_WORKER, concurrency: 5 });
    other.work({ ...FAST_WORKER, concurrency: 5 });
    await Promise.all(jobs.map((job) => job.result({ timeout: "10s" })));
    assert.equal(most, 2);
  });

  it("a worker keeps a task's rate limit and starts the rest when the window moves", async () => {
    const c = ctx();
    let started = 0;
    const task = c.errand.task({
      name: "flow.rated",
      rateLimit: { max: 2, per: "1m" },
      handler: () => void (started += 1),
    });
    const jobs = await task.enqueueMany(Array.from({ length: 5 }, () => ({ data: null })));
    c.errand.work({ ...FAST_WORKER, concurrency: 5 });
    await Promise.all(jobs.slice(0, 2).map((job) => job.result({ timeout: "5s" })));
    const counts = await c.errand.queues.counts("default");
    assert.deepEqual([counts.completed, counts.waiting, counts.active, started], [2, 3, 0, 2]);
    c.clock.advance("1m");
    await Promise.all(jobs.slice(2, 4).map((job) => job.result({ timeout: "5s" })));
    assert.equal((await c.errand.queues.counts("default")).waiting, 1);
  });
}

export const flowLimitsCases: ConformanceCases = (ctx) => {
  describe("flow control: limits", () => {
    describe("concurrency", () => registerConcurrency(ctx));
    describe("rate limits", () => registerRates(ctx));
    describe("releasing slots", () => registerRelease(ctx));
    describe("in workers", () => registerRuntime(ctx));
  });
};
