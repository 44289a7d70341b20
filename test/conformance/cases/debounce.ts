import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ValidationError } from "../../../src/errors.ts";
import type { Task } from "../../../src/task.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimWith, complete } from "../flow-claims.ts";

const declared = new WeakMap<ConformanceContext, Task<{ n: number }>>();

/** The test's "save" task, declared on first use. */
function task(c: ConformanceContext): Task<{ n: number }> {
  let save = declared.get(c);
  if (!save) declared.set(c, (save = c.errand.task<{ n: number }>({ name: "save" })));
  return save;
}

function registerDebounce(ctx: () => ConformanceContext): void {
  it("a new job with debounce is due after the window", async () => {
    const c = ctx();
    const job = await task(c).enqueue({ n: 1 }, { key: "doc-1", debounce: "5s" });
    assert.equal(job.created, true);
    const info = await c.errand.jobs.get(job.id);
    assert.deepEqual([info?.state, info?.runAt.getTime()], ["scheduled", c.clock.now() + 5_000]);
  });

  it("debounce replaces a pending job's data and pushes its due time back", async () => {
    const c = ctx();
    const start = c.clock.now();
    const first = await task(c).enqueue({ n: 1 }, { key: "doc-1", debounce: "5s" });
    c.clock.advance("3s");
    const second = await task(c).enqueue({ n: 2 }, { key: "doc-1", debounce: "5s" });
    assert.deepEqual([second.id, second.created], [first.id, false]);
    const info = await c.errand.jobs.get(first.id);
    assert.deepEqual(
      [info?.data, info?.runAt.getTime(), info?.state],
      [{ n: 2 }, start + 8_000, "scheduled"],
    );
    c.clock.set(start + 5_000);
    assert.equal((await claimWith(c)).jobs.length, 0, "the old due time no longer holds");
    c.clock.set(start + 8_000);
    const { jobs } = await claimWith(c);
    assert.deepEqual(
      jobs.map((j) => [j.id, JSON.parse(j.data)]),
      [[first.id, { n: 2 }]],
    );
    assert.equal((await c.errand.queues.counts("default")).active, 1);
  });

  it("a debounced job that already started is returned unchanged", async () => {
    const c = ctx();
    const first = await task(c).enqueue({ n: 1 }, { key: "doc-1", debounce: "1s" });
    c.clock.advance("1s");
    assert.equal((await claimWith(c)).jobs.length, 1);
    const again = await task(c).enqueue({ n: 2 }, { key: "doc-1", debounce: "1s" });
    assert.deepEqual([again.id, again.created, again.state], [first.id, false, "active"]);
    assert.deepEqual((await c.errand.jobs.get(first.id))?.data, { n: 1 });
  });

  it("after the debounced job finished, the next call starts a new one", async () => {
    const c = ctx();
    const first = await task(c).enqueue({ n: 1 }, { key: "doc-1", debounce: "1s" });
    c.clock.advance("1s");
    await complete(c, (await claimWith(c)).jobs);
    const next = await task(c).enqueue({ n: 2 }, { key: "doc-1", debounce: "1s" });
    assert.equal(next.created, true);
    assert.notEqual(next.id, first.id);
  });

  it("several debounced calls in one batch make one job with the last data", async () => {
    const c = ctx();
    const jobs = await task(c).enqueueMany(
      [1, 2, 3].map((n) => ({ data: { n }, options: { key: "k", debounce: "2s" } })),
    );
    assert.deepEqual(
      jobs.map((j) => j.created),
      [true, false, false],
    );
    assert.equal(new Set(jobs.map((j) => j.id)).size, 1);
    assert.deepEqual((await c.errand.jobs.get(jobs[0]!.id))?.data, { n: 3 });
  });

  it("keys are per queue: the same key in another queue is another job", async () => {
    const c = ctx();
    const a = await task(c).enqueue({ n: 1 }, { key: "k", debounce: "1s" });
    const b = await task(c).enqueue({ n: 2 }, { key: "k", debounce: "1s", queue: "other" });
    assert.equal(b.created, true);
    assert.notEqual(a.id, b.id);
  });
}

function registerThrottle(ctx: () => ConformanceContext): void {
  it("throttle: the first job wins and later calls return it, writing nothing", async () => {
    const c = ctx();
    const first = await task(c).enqueue({ n: 1 }, { key: "ping", throttle: "1m" });
    assert.deepEqual([first.created, first.state], [true, "waiting"]);
    const second = await task(c).enqueue({ n: 2 }, { key: "ping", throttle: "1m" });
    assert.deepEqual([second.id, second.created], [first.id, false]);
    const info = await c.errand.jobs.get(first.id);
    assert.deepEqual([info?.data, info?.runAt.getTime()], [{ n: 1 }, c.clock.now()]);
  });

  it("a finished job still holds its key for the rest of the window", async () => {
    const c = ctx();
    const start = c.clock.now();
    const first = await task(c).enqueue({ n: 1 }, { key: "ping", throttle: "1m" });
    await complete(c, (await claimWith(c)).jobs);
    c.clock.set(start + 59_999);
    const within = await task(c).enqueue({ n: 2 }, { key: "ping", throttle: "1m" });
    assert.deepEqual([within.id, within.created, within.state], [first.id, false, "completed"]);
    c.clock.set(start + 60_000);
    const after = await task(c).enqueue({ n: 3 }, { key: "ping", throttle: "1m" });
    assert.equal(after.created, true);
    assert.notEqual(after.id, first.id);
    assert.equal((await c.errand.jobs.list({ task: "save" })).jobs.length, 2);
  });

  it("a live job holds its key past the window", async () => {
    const c = ctx();
    const first = await task(c).enqueue({ n: 1 }, { key: "ping", throttle: "1s" });
    c.clock.advance("1h");
    const later = await task(c).enqueue({ n: 2 }, { key: "ping", throttle: "1s" });
    assert.deepEqual([later.id, later.created], [first.id, false]);
  });
}

function registerValidation(ctx: () => ConformanceContext): void {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["debounce without a key", { debounce: "1s" }, /debounce needs a key/],
    ["throttle without a key", { throttle: "1s" }, /throttle needs a key/],
    ["debounce with throttle", { key: "k", debounce: "1s", throttle: "1s" }, /not both/],
    ["debounce with delay", { key: "k", debounce: "1s", delay: "1s" }, /leave out delay/],
    ["throttle with runAt", { key: "k", throttle: "1s", runAt: new Date() }, /leave out delay/],
    ["a zero debounce", { key: "k", debounce: 0 }, /more than zero/],
    ["a bad throttle", { key: "k", throttle: "often" }, /throttle must be/],
  ];
  for (const [what, options, message] of cases) {
    it(`${what} throws ValidationError and writes nothing`, async () => {
      const c = ctx();
      await assert.rejects(
        task(c).enqueue({ n: 1 }, options),
        (e: unknown) => e instanceof ValidationError && message.test(e.message),
      );
      assert.equal((await c.errand.jobs.list()).jobs.length, 0);
    });
  }
}

export const debounceCases: ConformanceCases = (ctx) => {
  describe("flow control: debounce and throttle", () => {
    describe("debounce", () => registerDebounce(ctx));
    describe("throttle", () => registerThrottle(ctx));
    describe("bad options", () => registerValidation(ctx));
  });
};
