import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ClaimResult, Store } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";

const LEASE_MS = 30_000;

/** One claim through the contract, at the test clock's time. */
function claim(
  c: ConformanceContext,
  queues: string[],
  limit: number,
  store: Store = c.store,
): Promise<ClaimResult> {
  return store.claim({
    queues,
    limit,
    leaseMs: LEASE_MS,
    workerId: "conformance",
    now: c.clock.now(),
  });
}

/** Enqueues one job per priority, in the given order, with the priority as its payload. */
async function enqueuePriorities(c: ConformanceContext, priorities: number[]): Promise<string[]> {
  const task = c.errand.task<{ p: number; i: number }>({ name: "prio" });
  const jobs = await task.enqueueMany(
    priorities.map((p, i) => ({ data: { p, i }, options: { priority: p } })),
  );
  return jobs.map((j) => j.id);
}

function registerOrder(ctx: () => ConformanceContext): void {
  it("claims higher priorities first, negatives last, ties in enqueue order", async () => {
    const c = ctx();
    const ids = await enqueuePriorities(c, [0, 5, -3, 5, 10, 0, -1]);
    const { jobs } = await claim(c, ["default"], 10);
    assert.deepEqual(
      jobs.map((j) => j.id),
      [ids[4], ids[1], ids[3], ids[0], ids[5], ids[6], ids[2]],
    );
    assert.deepEqual(
      jobs.map((j) => j.priority),
      [10, 5, 5, 0, 0, -1, -3],
    );
  });

  it("claiming one job at a time follows the same order", async () => {
    const c = ctx();
    const ids = await enqueuePriorities(c, [1, -2, 7, 1, 7]);
    const order: string[] = [];
    for (let n = 0; n < ids.length; n++) {
      const { jobs } = await claim(c, ["default"], 1);
      assert.equal(jobs.length, 1);
      order.push(jobs[0]!.id);
    }
    assert.deepEqual(order, [ids[2], ids[4], ids[0], ids[3], ids[1]]);
  });

  it("among equal priorities the job due earlier is claimed first", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "due" });
    const recent = await task.enqueue({});
    const overdue = await task.enqueue({}, { runAt: new Date(c.clock.now() - 60_000) });
    const { jobs } = await claim(c, ["default"], 10);
    assert.deepEqual(
      jobs.map((j) => j.id),
      [overdue.id, recent.id],
    );
  });

  it("claim honours limit and leaves the rest waiting", async () => {
    const c = ctx();
    const ids = await enqueuePriorities(c, [0, 0, 0, 0, 0]);
    assert.equal((await claim(c, ["default"], 2)).jobs.length, 2);
    const counts = await c.errand.queues.counts("default");
    assert.deepEqual([counts.active, counts.waiting], [2, 3]);
    const rest = await claim(c, ["default"], 10);
    assert.deepEqual(
      rest.jobs.map((j) => j.id),
      ids.slice(2),
    );
    assert.equal((await claim(c, ["default"], 10)).jobs.length, 0);
  });

  it("a claimed job carries its row and a lease until now plus leaseMs", async () => {
    const c = ctx();
    const task = c.errand.task<{ to: string }>({ name: "mail", queue: "emails", attempts: 4 });
    const job = await task.enqueue({ to: "a@b.co" }, { priority: 3, key: "k", group: "g" });
    const [claimed] = (await claim(c, ["emails"], 1)).jobs;
    assert.ok(claimed);
    assert.deepEqual(
      [claimed.id, claimed.name, claimed.queue, JSON.parse(claimed.data)],
      [job.id, "mail", "emails", { to: "a@b.co" }],
    );
    assert.deepEqual(
      [claimed.priority, claimed.attempt, claimed.attempts, claimed.key, claimed.group],
      [3, 1, 4, "k", "g"],
    );
    assert.equal(claimed.leaseExpiresAt, c.clock.now() + LEASE_MS);
    assert.equal(claimed.createdAt, c.clock.now());
    const info = await c.errand.jobs.get(job.id);
    assert.deepEqual(
      [info?.state, info?.attempt, info?.startedAt],
      ["active", 1, new Date(c.clock.now())],
    );
  });
}

function registerDue(ctx: () => ConformanceContext): void {
  it("a scheduled job is not claimed until the clock passes its due time", async () => {
    const c = ctx();
    const job = await c.errand.task({ name: "later" }).enqueue({}, { delay: "10m" });
    let result = await claim(c, ["default"], 5);
    assert.deepEqual([result.jobs.length, result.nextDueInMs], [0, 600_000]);
    c.clock.advance("9m");
    result = await claim(c, ["default"], 5);
    assert.deepEqual([result.jobs.length, result.nextDueInMs], [0, 60_000]);
    c.clock.advance("1m");
    result = await claim(c, ["default"], 5);
    assert.deepEqual(
      result.jobs.map((j) => j.id),
      [job.id],
    );
    assert.equal(result.nextDueInMs, null);
  });

  it("nextDueInMs is null when nothing is scheduled and ignores other queues", async () => {
    const c = ctx();
    assert.equal((await claim(c, ["default"], 5)).nextDueInMs, null);
    await c.errand.task({ name: "elsewhere", queue: "other" }).enqueue({}, { delay: "1m" });
    assert.equal((await claim(c, ["default"], 5)).nextDueInMs, null);
    assert.equal((await claim(c, ["default", "other"], 5)).nextDueInMs, 60_000);
  });

  it("nextDueInMs reports the earliest of several scheduled jobs", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "later" });
    await task.enqueueMany([
      { data: {}, options: { delay: "1h" } },
      { data: {}, options: { delay: "90s" } },
      { data: {}, options: { delay: "5m" } },
    ]);
    await task.enqueue({});
    const result = await claim(c, ["default"], 5);
    assert.deepEqual([result.jobs.length, result.nextDueInMs], [1, 90_000]);
  });
}

function registerQueues(ctx: () => ConformanceContext): void {
  it("claim only takes jobs of the requested queues", async () => {
    const c = ctx();
    const a = c.errand.task({ name: "a", queue: "qa" });
    const b = c.errand.task({ name: "b", queue: "qb" });
    const c1 = c.errand.task({ name: "c", queue: "qc" });
    const ja = await a.enqueue({});
    const jb = await b.enqueue({});
    await c1.enqueue({});
    const first = await claim(c, ["qa"], 10);
    assert.deepEqual(
      first.jobs.map((j) => j.id),
      [ja.id],
    );
    const second = await claim(c, ["qa", "qb"], 10);
    assert.deepEqual(
      second.jobs.map((j) => j.id),
      [jb.id],
    );
    assert.equal((await c.errand.queues.counts("qc")).waiting, 1);
  });

  it("a paused queue is not claimed until it is resumed", async () => {
    const c = ctx();
    const held = await c.errand.task({ name: "held", queue: "held" }).enqueue({});
    const free = await c.errand.task({ name: "free", queue: "free" }).enqueue({});
    assert.equal(await c.errand.queues.isPaused("held"), false);
    await c.errand.queues.pause("held");
    assert.equal(await c.errand.queues.isPaused("held"), true);
    assert.equal(await c.errand.queues.isPaused("free"), false);
    const during = await claim(c, ["held", "free"], 10);
    assert.deepEqual(
      during.jobs.map((j) => j.id),
      [free.id],
    );
    assert.equal((await c.errand.jobs.get(held.id))?.state, "waiting");
    await c.errand.queues.resume("held");
    assert.equal(await c.errand.queues.isPaused("held"), false);
    const after = await claim(c, ["held", "free"], 10);
    assert.deepEqual(
      after.jobs.map((j) => j.id),
      [held.id],
    );
  });

  it("pause and resume are idempotent and seen by other connections", async () => {
    const c = ctx();
    const other = c.newErrand();
    await c.errand.queues.pause("q");
    await c.errand.queues.pause("q");
    assert.equal(await other.queues.isPaused("q"), true);
    await c.errand.task({ name: "t", queue: "q" }).enqueue({});
    assert.equal((await claim(c, ["q"], 1, c.openStore())).jobs.length, 0);
    await other.queues.resume("q");
    await other.queues.resume("q");
    assert.equal(await c.errand.queues.isPaused("q"), false);
    assert.equal((await claim(c, ["q"], 1)).jobs.length, 1);
  });
}

function registerLeases(ctx: () => ConformanceContext): void {
  it("each claim gets a distinct token and counts the attempt", async () => {
    const c = ctx();
    const [id] = await enqueuePriorities(c, [0, 0, 0]);
    const first = (await claim(c, ["default"], 10)).jobs;
    const tokens = first.map((j) => j.token);
    assert.ok(tokens.every((t) => typeof t === "string" && t.length > 0));
    assert.equal(new Set(tokens).size, 3);
    assert.ok(first.every((j) => j.attempt === 1));
    const mine = first.find((j) => j.id === id)!;
    const [retried] = await c.store.settle({
      outcomes: [{ kind: "retry", id: mine.id, token: mine.token, error: "{}", delayMs: 0 }],
      now: c.clock.now(),
    });
    assert.equal(retried, true);
    const [again] = (await claim(c, ["default"], 10)).jobs;
    assert.equal(again?.id, id);
    assert.equal(again?.attempt, 2);
    assert.ok(!tokens.includes(again.token));
  });

  it("connections claiming at once never lease the same job twice", async () => {
    const c = ctx();
    const task = c.errand.task<{ i: number }>({ name: "race", queue: "race" });
    const created = await task.enqueueMany(
      Array.from({ length: 200 }, (_, i) => ({ data: { i } })),
    );
    const stores = [c.store, c.openStore(), c.openStore()];
    const seen: string[] = [];
    const tokens: string[] = [];
    const drain = async (store: Store): Promise<void> => {
      for (;;) {
        const { jobs } = await claim(c, ["race"], 7, store);
        if (jobs.length === 0) return;
        for (const job of jobs) {
          seen.push(job.id);
          tokens.push(job.token);
        }
      }
    };
    await Promise.all(stores.map(drain));
    assert.equal(seen.length, 200, "every job claimed exactly once");
    assert.equal(new Set(seen).size, 200, "no job claimed twice");
    assert.equal(new Set(tokens).size, 200);
    assert.deepEqual(new Set(seen), new Set(created.map((j) => j.id)));
    assert.equal((await c.errand.queues.counts("race")).active, 200);
  });
}

export const claimCases: ConformanceCases = (ctx) => {
  describe("claim", () => {
    describe("order and limit", () => registerOrder(ctx));
    describe("due times", () => registerDue(ctx));
    describe("queues and pause", () => registerQueues(ctx));
    describe("tokens and concurrency", () => registerLeases(ctx));
  });
};
