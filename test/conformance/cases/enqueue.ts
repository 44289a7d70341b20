import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { z } from "zod";

import type { ConformanceCases, ConformanceContext } from "../context.ts";
import {
  assertNothingWritten,
  registerBadInput,
  registerConfig,
  rejectsValidation,
} from "./enqueue-bad-input.ts";

/** Leases every due job of `queue` through the contract, at the test clock's time. */
async function claimAll(c: ConformanceContext, queue = "default") {
  const { jobs } = await c.store.claim({
    queues: [queue],
    limit: 100,
    leaseMs: 30_000,
    workerId: "conformance",
    now: c.clock.now(),
  });
  return jobs;
}

function registerContents(ctx: () => ConformanceContext): void {
  it("enqueue returns a job with an id and its state", async () => {
    const c = ctx();
    const task = c.errand.task<{ n: number }>({ name: "count" });
    const job = await task.enqueue({ n: 1 });
    assert.equal(typeof job.id, "string");
    assert.ok(job.id.length > 0);
    assert.equal(job.state, "waiting");
    assert.equal(job.created, true);
    assert.equal(job.name, "count");
    assert.equal(job.queue, "default");
  });

  it("jobs.get returns the stored row with the payload, options and times", async () => {
    const c = ctx();
    const task = c.errand.task({
      name: "email.send",
      queue: "emails",
      attempts: 5,
      priority: 2,
    });
    const data = { to: "a@b.co", text: "héllo ✓", nested: [1, null, { deep: true }] };
    const job = await task.enqueue(data, { key: "welcome:42", group: "tenant-7" });
    const info = await c.errand.jobs.get(job.id);
    assert.ok(info);
    assert.equal(info.id, job.id);
    assert.equal(info.name, "email.send");
    assert.equal(info.queue, "emails");
    assert.equal(info.state, "waiting");
    assert.deepEqual(info.data, data);
    assert.equal(info.priority, 2);
    assert.equal(info.attempts, 5);
    assert.equal(info.attempt, 0);
    assert.equal(info.key, "welcome:42");
    assert.equal(info.group, "tenant-7");
    assert.equal(info.result, null);
    assert.equal(info.error, null);
    assert.deepEqual(info.logs, []);
    assert.deepEqual(info.createdAt, new Date(c.clock.now()));
    assert.deepEqual(info.runAt, new Date(c.clock.now()));
    assert.equal(info.startedAt, null);
    assert.equal(info.finishedAt, null);
  });

  it("a job without key or group stores null for both, and null or arrays as payloads", async () => {
    const c = ctx();
    const task = c.errand.task<unknown>({ name: "any" });
    const [a, b] = await task.enqueueMany([{ data: null }, { data: [1, "two", false] }]);
    const [infoA, infoB] = await Promise.all([c.errand.jobs.get(a!.id), c.errand.jobs.get(b!.id)]);
    assert.equal(infoA?.data, null);
    assert.equal(infoA?.key, null);
    assert.equal(infoA?.group, null);
    assert.deepEqual(infoB?.data, [1, "two", false]);
  });

  it("per-job options override the task's defaults", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "report", queue: "reports", attempts: 4, priority: 3 });
    const plain = await task.enqueue({});
    const custom = await task.enqueue({}, { priority: -7, attempts: 1, queue: "urgent" });
    const [a, b] = await Promise.all([c.errand.jobs.get(plain.id), c.errand.jobs.get(custom.id)]);
    assert.deepEqual([a?.queue, a?.priority, a?.attempts], ["reports", 3, 4]);
    assert.deepEqual([b?.queue, b?.priority, b?.attempts], ["urgent", -7, 1]);
    assert.equal(custom.queue, "urgent");
  });

  it("a task declared without options gets the documented defaults", async () => {
    const c = ctx();
    const job = await c.errand.task({ name: "bare" }).enqueue({});
    const info = await c.errand.jobs.get(job.id);
    assert.deepEqual([info?.queue, info?.priority, info?.attempts], ["default", 0, 3]);
  });

  it("enqueue by name applies a declared task's schema and defaults", async () => {
    const c = ctx();
    c.errand.task({
      name: "email.send",
      queue: "emails",
      attempts: 5,
      schema: z.object({ to: z.string().email(), subject: z.string() }),
    });
    await rejectsValidation(
      () => c.errand.enqueue("email.send", { to: "not an address", subject: "Hi" }),
      /email\.send.*to/,
    );
    await assertNothingWritten(c.errand);
    const job = await c.errand.enqueue("email.send", { to: "a@b.co", subject: "Hi" });
    const info = await c.errand.jobs.get(job.id);
    assert.deepEqual([info?.queue, info?.attempts], ["emails", 5]);
    assert.deepEqual(info?.data, { to: "a@b.co", subject: "Hi" });
  });

  it("enqueue by name of an undeclared task takes any JSON and the queue option", async () => {
    const c = ctx();
    const routed = await c.errand.enqueue("py.resize", { w: 10 }, { queue: "images" });
    const plain = await c.errand.enqueue("py.other", "just a string");
    const [a, b] = await Promise.all([c.errand.jobs.get(routed.id), c.errand.jobs.get(plain.id)]);
    assert.deepEqual([a?.name, a?.queue, a?.attempts, a?.priority], ["py.resize", "images", 3, 0]);
    assert.deepEqual([b?.queue, b?.data], ["default", "just a string"]);
    await rejectsValidation(() => c.errand.enqueue("", {}), /name/);
  });
}

function registerMany(ctx: () => ConformanceContext): void {
  it("enqueueMany returns the jobs in input order", async () => {
    const c = ctx();
    const task = c.errand.task<{ i: number }>({ name: "many" });
    const items = Array.from({ length: 20 }, (_, i) => ({ data: { i }, options: { priority: i } }));
    const jobs = await task.enqueueMany(items);
    assert.equal(jobs.length, 20);
    assert.equal(new Set(jobs.map((j) => j.id)).size, 20);
    const infos = await Promise.all(jobs.map((j) => c.errand.jobs.get(j.id)));
    assert.deepEqual(
      infos.map((info) => [info?.data, info?.priority]),
      items.map((item) => [item.data, item.data.i]),
    );
  });

  it("enqueueMany with one invalid payload throws ValidationError and writes nothing", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "typed", schema: z.object({ n: z.number() }) });
    await rejectsValidation(
      () =>
        task.enqueueMany([
          { data: { n: 1 } },
          { data: { n: "two" } as unknown as { n: number } },
          { data: { n: 3 } },
        ]),
      /typed.*n/,
    );
    await assertNothingWritten(c.errand);
    assert.equal((await c.errand.queues.counts("default")).waiting, 0);
  });

  it("enqueueMany with one invalid option throws ValidationError and writes nothing", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "opts" });
    await rejectsValidation(
      () =>
        task.enqueueMany([
          { data: {}, options: { delay: "1m" } },
          { data: {}, options: { key: "k" } },
          { data: {}, options: { attempts: 0 } },
        ]),
      /attempts/,
    );
    await assertNothingWritten(c.errand);
    const counts = await c.errand.queues.counts("default");
    assert.equal(counts.waiting + counts.scheduled, 0);
  });

  it("enqueueMany of an empty list returns no jobs", async () => {
    const c = ctx();
    assert.deepEqual(await c.errand.task({ name: "none" }).enqueueMany([]), []);
  });
}

function registerTiming(ctx: () => ConformanceContext): void {
  it("a job due now is waiting", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "now" });
    const [plain, zero, past] = await task.enqueueMany([
      { data: {} },
      { data: {}, options: { delay: 0 } },
      { data: {}, options: { runAt: new Date(c.clock.now() - 60_000) } },
    ]);
    for (const job of [plain, zero, past]) {
      assert.equal(job?.state, "waiting");
      assert.equal((await c.errand.jobs.get(job!.id))?.state, "waiting");
    }
  });

  it("a delay makes the job scheduled until the clock reaches its due time", async () => {
    const c = ctx();
    const start = c.clock.now();
    const job = await c.errand.task({ name: "later" }).enqueue({}, { delay: "5m" });
    assert.equal(job.state, "scheduled");
    const info = await c.errand.jobs.get(job.id);
    assert.equal(info?.state, "scheduled");
    assert.deepEqual(info?.runAt, new Date(start + 300_000));
    assert.equal((await c.errand.queues.counts("default")).scheduled, 1);
    c.clock.advance("5m");
    assert.equal((await c.errand.jobs.get(job.id))?.state, "waiting");
  });

  it("runAt in the future makes the job scheduled at exactly that time", async () => {
    const c = ctx();
    const at = new Date(c.clock.now() + 90_000);
    const job = await c.errand.task({ name: "at" }).enqueue({}, { runAt: at });
    assert.equal(job.state, "scheduled");
    assert.deepEqual((await c.errand.jobs.get(job.id))?.runAt, at);
  });
}

function registerDedupe(ctx: () => ConformanceContext): void {
  it("a second enqueue with a live key returns the first job", async () => {
    const c = ctx();
    const task = c.errand.task<{ v: number }>({ name: "dedupe" });
    const first = await task.enqueue({ v: 1 }, { key: "user-42" });
    const second = await task.enqueue({ v: 2 }, { key: "user-42" });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.id, first.id);
    assert.deepEqual((await c.errand.jobs.get(first.id))?.data, { v: 1 });
    assert.equal((await c.errand.jobs.list({})).jobs.length, 1);
  });

  it("a duplicate reports the live job's state, scheduled or active", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "dedupe" });
    const scheduled = await task.enqueue({}, { key: "s", delay: "1h" });
    assert.equal((await task.enqueue({}, { key: "s" })).state, "scheduled");
    const waiting = await task.enqueue({}, { key: "a" });
    await claimAll(c);
    const again = await task.enqueue({}, { key: "a" });
    assert.deepEqual([again.id, again.created, again.state], [waiting.id, false, "active"]);
    assert.notEqual(scheduled.id, waiting.id);
  });

  it("the same key in another queue is independent", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "dedupe" });
    const a = await task.enqueue({}, { key: "k" });
    const b = await task.enqueue({}, { key: "k", queue: "other" });
    assert.equal(b.created, true);
    assert.notEqual(b.id, a.id);
  });

  for (const end of ["completed", "dead", "cancelled"] as const) {
    it(`a key is free again once its job is ${end}`, async () => {
      const c = ctx();
      const task = c.errand.task({ name: "dedupe" });
      const first = await task.enqueue({}, { key: "k" });
      if (end === "cancelled") assert.equal(await c.errand.jobs.cancel(first.id), true);
      else {
        const [leased] = await claimAll(c);
        assert.equal(leased?.id, first.id);
        const lease = { id: leased.id, token: leased.token };
        const outcome =
          end === "completed"
            ? { kind: "complete" as const, ...lease, result: "null", remove: false }
            : { kind: "dead" as const, ...lease, error: '{"name":"Error","message":"boom"}' };
        assert.deepEqual(await c.store.settle({ outcomes: [outcome], now: c.clock.now() }), [true]);
      }
      assert.equal((await c.errand.jobs.get(first.id))?.state, end);
      const second = await task.enqueue({}, { key: "k" });
      assert.equal(second.created, true);
      assert.notEqual(second.id, first.id);
    });
  }

  it("the same key twice in one enqueueMany writes one job", async () => {
    const c = ctx();
    const task = c.errand.task<{ v: number }>({ name: "dedupe" });
    const jobs = await task.enqueueMany([
      { data: { v: 1 }, options: { key: "k" } },
      { data: { v: 2 } },
      { data: { v: 3 }, options: { key: "k" } },
    ]);
    assert.deepEqual(
      jobs.map((j) => j.created),
      [true, true, false],
    );
    assert.equal(jobs[2]?.id, jobs[0]?.id);
    assert.equal((await c.errand.jobs.list({})).jobs.length, 2);
    assert.deepEqual((await c.errand.jobs.get(jobs[0]!.id))?.data, { v: 1 });
  });

  it("two processes enqueueing the same keys at once end with one live job per key", async () => {
    const c = ctx();
    const producers = [c.newErrand(), c.newErrand()];
    const keys = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    const calls = keys.flatMap((key) =>
      Array.from({ length: 6 }, (_, n) =>
        producers[n % 2]!.enqueue("race", { n }, { key, queue: "racing" }).then((job) => ({
          key,
          job,
        })),
      ),
    );
    const results = await Promise.all(calls);
    for (const key of keys) {
      const mine = results.filter((r) => r.key === key);
      assert.equal(new Set(mine.map((r) => r.job.id)).size, 1, `one id for ${key}`);
      assert.equal(mine.filter((r) => r.job.created).length, 1, `one creation for ${key}`);
    }
    assert.equal((await c.errand.queues.counts("racing")).waiting, keys.length);
  });
}

export const enqueueCases: ConformanceCases = (ctx) => {
  describe("enqueue", () => {
    describe("job contents", () => registerContents(ctx));
    describe("enqueueMany", () => registerMany(ctx));
    describe("due times", () => registerTiming(ctx));
    describe("deduplication", () => registerDedupe(ctx));
    describe("bad input", () => registerBadInput(ctx));
    describe("bad configuration", () => registerConfig(ctx));
  });
};
