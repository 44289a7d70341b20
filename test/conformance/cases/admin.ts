import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { JobInfo, JobState } from "../../../src/job.ts";
import type { RawJob } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";

const FAILURE = JSON.stringify({ name: "Error", message: "boom" });

/**
 * Seeds jobs in the given states at the test clock's time, so waiting ones are due and
 * finished ones finished now, whatever the store's own clock says.
 */
function seed(c: ConformanceContext, jobs: (Partial<RawJob> & { state: JobState })[]) {
  const now = c.clock.now();
  return c.store.insertRaw(
    jobs.map((job) => ({
      name: "seeded",
      createdAt: now,
      runAt: now,
      ...(job.state === "active" ? { token: "seed-token", leaseExpiresAt: now + 60_000 } : {}),
      ...(["completed", "dead", "cancelled"].includes(job.state)
        ? { startedAt: now, finishedAt: now }
        : {}),
      ...(job.state === "dead" ? { error: FAILURE, attempt: 3 } : {}),
      ...job,
    })),
  );
}

async function stateOf(c: ConformanceContext, id: string): Promise<JobState | undefined> {
  return (await c.errand.jobs.get(id))?.state;
}

async function claimIds(c: ConformanceContext, queues = ["default"]): Promise<string[]> {
  const { jobs } = await c.store.claim({
    queues,
    limit: 100,
    leaseMs: 30_000,
    workerId: "conformance",
    now: c.clock.now(),
  });
  return jobs.map((j) => j.id);
}

/** Walks every page of a listing and returns the jobs in the order given. */
async function listAll(
  c: ConformanceContext,
  filter: { queue?: string; state?: JobState; task?: string },
  limit: number,
): Promise<JobInfo[]> {
  const all: JobInfo[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await c.errand.jobs.list({ ...filter, limit, ...(cursor ? { cursor } : {}) });
    assert.ok(result.jobs.length <= limit);
    all.push(...result.jobs);
    cursor = result.cursor;
    if (cursor === undefined) return all;
  }
  assert.fail("the listing never ended");
}

function registerGetList(ctx: () => ConformanceContext): void {
  it("jobs.get of an unknown id returns null", async () => {
    const c = ctx();
    await c.errand.task({ name: "t" }).enqueue({});
    assert.equal(await c.errand.jobs.get("999999999"), null);
    assert.equal(await c.errand.jobs.get("not-an-id"), null);
  });

  it("jobs.list filters by queue, state and task", async () => {
    const c = ctx();
    const a = c.errand.task({ name: "a", queue: "qa" });
    const b = c.errand.task({ name: "b", queue: "qb" });
    const waitingA = await a.enqueue({});
    const laterA = await a.enqueue({}, { delay: "1h" });
    const waitingB = await b.enqueue({});
    const [deadA] = await seed(c, [{ name: "a", queue: "qa", state: "dead" }]);
    const ids = async (filter: Parameters<typeof c.errand.jobs.list>[0]) =>
      new Set((await c.errand.jobs.list(filter)).jobs.map((j) => j.id));
    assert.deepEqual(await ids({ queue: "qa" }), new Set([waitingA.id, laterA.id, deadA]));
    assert.deepEqual(await ids({ queue: "qa", state: "waiting" }), new Set([waitingA.id]));
    assert.deepEqual(await ids({ state: "scheduled" }), new Set([laterA.id]));
    assert.deepEqual(await ids({ state: "dead" }), new Set([deadA]));
    assert.deepEqual(await ids({ task: "b" }), new Set([waitingB.id]));
    assert.deepEqual(await ids({ task: "b", queue: "qa" }), new Set());
    assert.deepEqual(await ids({ state: "completed" }), new Set());
  });

  it("a scheduled job lists as waiting once it is due", async () => {
    const c = ctx();
    const job = await c.errand.task({ name: "later" }).enqueue({}, { delay: "2m" });
    const listed = async (state: JobState) =>
      (await c.errand.jobs.list({ state })).jobs.map((j) => j.id);
    assert.deepEqual(await listed("scheduled"), [job.id]);
    assert.deepEqual(await listed("waiting"), []);
    c.clock.advance("2m");
    assert.deepEqual(await listed("scheduled"), []);
    assert.deepEqual(await listed("waiting"), [job.id]);
    assert.equal((await c.errand.jobs.list({ state: "waiting" })).jobs[0]?.state, "waiting");
  });

  it("paging with the cursor covers every job exactly once, newest first", async () => {
    const c = ctx();
    const task = c.errand.task<{ i: number }>({ name: "paged" });
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      created.push((await task.enqueue({ i })).id);
      c.clock.advance(1);
    }
    await c.errand.task({ name: "other", queue: "elsewhere" }).enqueue({});
    const all = await listAll(c, { queue: "default" }, 10);
    assert.deepEqual(
      all.map((j) => j.id),
      [...created].reverse(),
    );
    const everything = await listAll(c, {}, 7);
    assert.equal(everything.length, 26);
    assert.equal(new Set(everything.map((j) => j.id)).size, 26);
  });

  it("a listing that fits one page has no cursor", async () => {
    const c = ctx();
    await c.errand.task({ name: "few" }).enqueueMany([{ data: {} }, { data: {} }]);
    const page = await c.errand.jobs.list({ limit: 5 });
    assert.equal(page.jobs.length, 2);
    assert.equal(page.cursor, undefined);
  });

  it("a page that ends exactly at the last job has no cursor", async () => {
    const c = ctx();
    await c.errand
      .task({ name: "exact" })
      .enqueueMany([{ data: {} }, { data: {} }, { data: {} }, { data: {} }]);
    const first = await c.errand.jobs.list({ limit: 2 });
    assert.equal(first.jobs.length, 2);
    assert.ok(first.cursor !== undefined);
    const second = await c.errand.jobs.list({ limit: 2, cursor: first.cursor });
    assert.equal(second.jobs.length, 2);
    assert.equal(second.cursor, undefined);
  });

  it("queues.counts counts one queue's jobs by state", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "counted", queue: "q" });
    await task.enqueueMany([{ data: {} }, { data: {} }, { data: {}, options: { delay: "1m" } }]);
    await seed(c, [
      { queue: "q", state: "active" },
      { queue: "q", state: "completed" },
      { queue: "q", state: "completed" },
      { queue: "q", state: "completed" },
      { queue: "q", state: "dead" },
      { queue: "q", state: "cancelled" },
      { queue: "other", state: "completed" },
    ]);
    assert.deepEqual(await c.errand.queues.counts("q"), {
      scheduled: 1,
      waiting: 2,
      active: 1,
      completed: 3,
      dead: 1,
      cancelled: 1,
    });
    c.clock.advance("1m");
    const later = await c.errand.queues.counts("q");
    assert.deepEqual([later.scheduled, later.waiting], [0, 3]);
    const empty = await c.errand.queues.counts("nothing-here");
    assert.deepEqual(Object.values(empty), [0, 0, 0, 0, 0, 0]);
  });
}

function registerRetry(ctx: () => ConformanceContext): void {
  it("jobs.retry makes a dead job waiting with attempt 0", async () => {
    const c = ctx();
    const [dead] = await seed(c, [{ state: "dead", attempt: 3, attempts: 3 }]);
    assert.equal(await c.errand.jobs.retry(dead!), true);
    const info = await c.errand.jobs.get(dead!);
    assert.deepEqual([info?.state, info?.attempt, info?.attempts], ["waiting", 0, 3]);
    assert.deepEqual(await claimIds(c), [dead]);
    assert.equal((await c.errand.jobs.get(dead!))?.attempt, 1);
  });

  it("jobs.retry of a waiting, completed or unknown job returns false and changes nothing", async () => {
    const c = ctx();
    const waiting = await c.errand.task({ name: "t" }).enqueue({});
    const [completed] = await seed(c, [{ state: "completed", result: "1" }]);
    assert.equal(await c.errand.jobs.retry(waiting.id), false);
    assert.equal(await c.errand.jobs.retry(completed!), false);
    assert.equal(await c.errand.jobs.retry("999999999"), false);
    assert.equal(await c.errand.jobs.retry("not-an-id"), false);
    assert.equal(await stateOf(c, waiting.id), "waiting");
    assert.equal(await stateOf(c, completed!), "completed");
  });

  it("retryAll re-drives every dead job of one queue only", async () => {
    const c = ctx();
    const ids = await seed(c, [
      { queue: "qa", state: "dead" },
      { queue: "qa", state: "dead" },
      { queue: "qa", state: "cancelled" },
      { queue: "qa", state: "completed" },
      { queue: "qb", state: "dead" },
    ]);
    assert.equal(await c.errand.jobs.retryAll({ queue: "qa" }), 2);
    const states = await Promise.all(ids.map((id) => stateOf(c, id)));
    assert.deepEqual(states, ["waiting", "waiting", "cancelled", "completed", "dead"]);
    assert.equal(await c.errand.jobs.retryAll({ queue: "qa" }), 0);
  });

  it("retryAll with state cancelled re-drives cancelled jobs only", async () => {
    const c = ctx();
    const ids = await seed(c, [
      { queue: "qa", state: "cancelled" },
      { queue: "qb", state: "cancelled" },
      { queue: "qa", state: "dead" },
    ]);
    assert.equal(await c.errand.jobs.retryAll({ state: "cancelled" }), 2);
    const states = await Promise.all(ids.map((id) => stateOf(c, id)));
    assert.deepEqual(states, ["waiting", "waiting", "dead"]);
  });

  it("retry skips a job whose key a live job now holds", async () => {
    const c = ctx();
    const [deadKeyed, deadFree] = await seed(c, [
      { state: "dead", key: "user-1" },
      { state: "dead", key: "user-2" },
    ]);
    const holder = await c.errand.task({ name: "seeded" }).enqueue({}, { key: "user-1" });
    assert.equal(holder.created, true);
    assert.equal(await c.errand.jobs.retry(deadKeyed!), false);
    assert.equal(await stateOf(c, deadKeyed!), "dead");
    assert.equal(await c.errand.jobs.retryAll(), 1);
    assert.equal(await stateOf(c, deadKeyed!), "dead");
    assert.equal(await stateOf(c, deadFree!), "waiting");
  });
}

function registerCancelRemove(ctx: () => ConformanceContext): void {
  it("a cancelled scheduled or waiting job is never claimed", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "t" });
    const later = await task.enqueue({}, { delay: "1m" });
    const now = await task.enqueue({});
    assert.equal(await c.errand.jobs.cancel(later.id), true);
    assert.equal(await c.errand.jobs.cancel(now.id), true);
    const info = await c.errand.jobs.get(now.id);
    assert.equal(info?.state, "cancelled");
    assert.ok(info?.finishedAt instanceof Date);
    assert.equal(await stateOf(c, later.id), "cancelled");
    c.clock.advance("2m");
    assert.deepEqual(await claimIds(c), []);
    assert.equal((await c.errand.queues.counts("default")).cancelled, 2);
  });

  it("cancelling a finished, cancelled or unknown job returns false", async () => {
    const c = ctx();
    const [completed, dead] = await seed(c, [{ state: "completed" }, { state: "dead" }]);
    const waiting = await c.errand.task({ name: "t" }).enqueue({});
    assert.equal(await c.errand.jobs.cancel(completed!), false);
    assert.equal(await c.errand.jobs.cancel(dead!), false);
    assert.equal(await stateOf(c, completed!), "completed");
    assert.equal(await stateOf(c, dead!), "dead");
    assert.equal(await c.errand.jobs.cancel(waiting.id), true);
    assert.equal(await c.errand.jobs.cancel(waiting.id), false);
    assert.equal(await c.errand.jobs.cancel("999999999"), false);
    assert.equal(await c.errand.jobs.cancel("not-an-id"), false);
  });

  it("cancelling an active job revokes its lease", async () => {
    const c = ctx();
    await c.errand.task({ name: "t" }).enqueue({});
    const { jobs } = await c.store.claim({
      queues: ["default"],
      limit: 1,
      leaseMs: 30_000,
      workerId: "conformance",
      now: c.clock.now(),
    });
    const leased = jobs[0]!;
    assert.equal(await c.errand.jobs.cancel(leased.id), true);
    const outcome = {
      kind: "complete" as const,
      id: leased.id,
      token: leased.token,
      result: "1",
      remove: false,
    };
    assert.deepEqual(await c.store.settle({ outcomes: [outcome], now: c.clock.now() }), [false]);
    assert.equal(await stateOf(c, leased.id), "cancelled");
  });

  it("jobs.remove deletes a job in any state and reports whether it existed", async () => {
    const c = ctx();
    const waiting = await c.errand.task({ name: "t" }).enqueue({});
    const [completed, dead] = await seed(c, [{ state: "completed" }, { state: "dead" }]);
    for (const id of [waiting.id, completed!, dead!]) {
      assert.equal(await c.errand.jobs.remove(id), true);
      assert.equal(await c.errand.jobs.get(id), null);
      assert.equal(await c.errand.jobs.remove(id), false);
    }
    assert.deepEqual(await claimIds(c), []);
    assert.deepEqual((await c.errand.jobs.list({})).jobs, []);
    assert.equal(await c.errand.jobs.remove("not-an-id"), false);
  });

  it("a removed job frees its key", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "t" });
    const first = await task.enqueue({}, { key: "k" });
    await c.errand.jobs.remove(first.id);
    const second = await task.enqueue({}, { key: "k" });
    assert.equal(second.created, true);
    assert.notEqual(second.id, first.id);
  });
}

export const adminCases: ConformanceCases = (ctx) => {
  describe("admin", () => {
    describe("get, list and counts", () => registerGetList(ctx));
    describe("retry", () => registerRetry(ctx));
    describe("cancel and remove", () => registerCancelRemove(ctx));
  });
};
