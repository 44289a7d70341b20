import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { z } from "zod";

import { CancelledError, JobFailedError } from "../../../src/errors.ts";
import { insertRaw } from "../../../src/testing/insert-raw.ts";
import { waitForJob } from "../../../src/testing/wait-for-job.ts";
import type { ConformanceCases } from "../context.ts";
import { FAST_WORKER, gate, nextJobEvent, within } from "../job-waits.ts";

/** Resolves once `signal` aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

const limitCases: ConformanceCases = (ctx) => {
  describe("worker: limits, timeouts and cancellation", () => {
    it("never runs more handlers at once than its concurrency", async () => {
      const c = ctx();
      let running = 0;
      let most = 0;
      const task = c.errand.task({
        name: "worker.busy",
        handler: async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
        },
      });
      const jobs = await task.enqueueMany(Array.from({ length: 12 }, () => ({ data: {} })));
      c.errand.work({ ...FAST_WORKER, concurrency: 3 });
      await Promise.all(jobs.map((job) => job.result({ timeout: "5s" })));
      assert.equal(most, 3);
    });

    it("an attempt that runs past its timeout fails with a TimeoutError, even if it returns later", async () => {
      const c = ctx();
      const letReturn = gate();
      const returned = gate();
      let signal: AbortSignal | undefined;
      const task = c.errand.task({
        name: "worker.slow",
        attempts: 2,
        timeout: "100ms",
        handler: async (_data: unknown, jc) => {
          signal = jc.signal;
          await letReturn.promise;
          returned.open();
          return "late";
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      assert.equal((await retrying).error?.name, "TimeoutError");
      assert.equal(signal?.aborted, true);
      assert.equal((signal?.reason as Error).name, "TimeoutError");
      letReturn.open();
      await returned.promise;
      await new Promise((resolve) => setImmediate(resolve));
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "scheduled");
      assert.equal(info?.result, null);
      assert.equal(info?.error?.name, "TimeoutError");
      assert.equal(info?.attempt, 1);
    });

    it("cancelling an active job aborts its signal and discards what the handler returns", async () => {
      const c = ctx();
      const started = gate<AbortSignal>();
      const task = c.errand.task({
        name: "worker.cancellable",
        handler: async (_data: unknown, jc) => {
          started.open(jc.signal);
          await aborted(jc.signal);
          return "finished anyway";
        },
      });
      const job = await task.enqueue({});
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const signal = await within(started.promise, "the handler to start");
      assert.equal(await c.errand.jobs.cancel(job.id), true);
      const reason = await within(aborted(signal), "ctx.signal to abort");
      assert.ok(reason instanceof CancelledError, `aborted with ${String(reason)}`);
      await worker.close({ grace: "5s" });
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "cancelled");
      assert.equal(info?.result, null);
      await assert.rejects(
        job.result({ timeout: "5s" }),
        (e: unknown) => e instanceof JobFailedError && e.state === "cancelled",
      );
    });
  });
};

const shutdownCases: ConformanceCases = (ctx) => {
  describe("worker: graceful shutdown", () => {
    it("close with no grace hands a running job back to waiting at once, its attempt undone", async () => {
      const c = ctx();
      const started = gate<AbortSignal>();
      c.errand.task({
        name: "worker.long",
        handler: async (_data: unknown, jc) => {
          started.open(jc.signal);
          await aborted(jc.signal);
          return "unfinished";
        },
      });
      const job = await c.errand.enqueue("worker.long", {});
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const signal = await within(started.promise, "the handler to start");
      await worker.close({ grace: 0 });
      assert.equal(signal.aborted, true);
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "waiting");
      assert.equal(info?.attempt, 0);
      assert.equal(info?.result, null);
      const next = c.newErrand();
      next.task({ name: "worker.long", handler: (_data: unknown, jc) => jc.job.attempt });
      next.work({ ...FAST_WORKER, concurrency: 1 });
      assert.equal(await job.result({ timeout: "5s" }), 1);
    });

    it("close with a grace lets a short job finish first", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "worker.short",
        handler: async (_data: unknown, jc) => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          return { aborted: jc.signal.aborted };
        },
      });
      const job = await task.enqueue({});
      const started = nextJobEvent(c.errand, "started", job.id);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await started;
      await worker.close({ grace: "2s" });
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "completed");
      assert.deepEqual(info?.result, { aborted: false });
    });
  });
};

const routingCases: ConformanceCases = (ctx) => {
  describe("worker: tasks, payloads and results", () => {
    it("a job whose task has no handler here fails that attempt with UnknownTaskError and is retried", async () => {
      const c = ctx();
      const job = await c.errand.enqueue("worker.ghost", { n: 1 }, { queue: "ghosts" });
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      const old = c.errand.work({ ...FAST_WORKER, queues: ["ghosts"] });
      assert.equal((await retrying).error?.name, "UnknownTaskError");
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "scheduled");
      assert.equal(info?.attempt, 1);
      await old.close();
      const deployed = c.newErrand();
      deployed.task({
        name: "worker.ghost",
        queue: "ghosts",
        handler: (data: { n: number }) => data.n + 1,
      });
      deployed.work({ ...FAST_WORKER, concurrency: 1 });
      c.clock.advance("1s");
      assert.equal(await job.result({ timeout: "5s" }), 2);
      assert.equal((await c.errand.jobs.get(job.id))?.attempt, 2);
    });

    it("a payload that no longer fits the schema is dead at once and never reaches the handler", async () => {
      const c = ctx();
      const handled: unknown[] = [];
      const task = c.errand.task({
        name: "worker.typed",
        schema: z.object({ count: z.number() }),
        attempts: 3,
        handler: (data) => {
          handled.push(data);
          return data.count;
        },
      });
      const producer = c.newErrand();
      const byName = await producer.enqueue("worker.typed", { count: "three" });
      const [raw] = await insertRaw(c.errand, [
        {
          name: "worker.typed",
          state: "waiting",
          data: JSON.stringify({ total: 3 }),
          runAt: c.clock.now(),
        },
      ]);
      const good = await task.enqueue({ count: 3 });
      c.errand.work({ ...FAST_WORKER, concurrency: 3 });
      for (const id of [byName.id, raw as string]) {
        const info = await waitForJob(c.errand, id, { timeout: "5s" });
        assert.equal(info.state, "dead");
        assert.equal(info.attempt, 1);
        assert.equal(info.error?.name, "ValidationError");
        assert.match(info.error?.message ?? "", /count/);
      }
      assert.equal(await good.result({ timeout: "5s" }), 3);
      assert.deepEqual(handled, [{ count: 3 }]);
    });

    it("progress and log lines are stored with the job", async () => {
      const c = ctx();
      const reported = gate();
      const finish = gate();
      const task = c.errand.task({
        name: "worker.reporting",
        handler: async (_data: unknown, jc) => {
          await jc.progress(40);
          jc.log("connected");
          reported.open();
          await finish.promise;
          await jc.progress({ step: 2, of: 3 });
          jc.log("sent");
          return "done";
        },
      });
      const job = await task.enqueue({});
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await within(reported.promise, "the first progress report");
      const running = await c.errand.jobs.get(job.id);
      assert.equal(running?.state, "active");
      assert.equal(running?.progress, 40);
      finish.open();
      assert.equal(await job.result({ timeout: "5s" }), "done");
      const info = await c.errand.jobs.get(job.id);
      assert.deepEqual(info?.progress, { step: 2, of: 3 });
      assert.deepEqual(
        info?.logs.map((l) => l.message),
        ["connected", "sent"],
      );
      for (const line of info?.logs ?? []) assert.ok(line.at instanceof Date);
    });

    it("job.result() returns the handler's result", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "worker.sum",
        schema: z.object({ a: z.number(), b: z.number() }),
        handler: (data) => ({ sum: data.a + data.b, parts: [data.a, data.b] }),
      });
      const job = await task.enqueue({ a: 2, b: 3 });
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const result = await job.result({ timeout: "5s" });
      const sum: number = result.sum;
      assert.equal(sum, 5);
      assert.deepEqual(result.parts, [2, 3]);
    });

    it("a task declared without a handler is enqueued here and run by another Errand", async () => {
      const c = ctx();
      const producerTask = c.errand.task<{ n: number }, number>({
        name: "worker.report",
        queue: "reports",
      });
      const job = await producerTask.enqueue({ n: 21 });
      const consumer = c.newErrand();
      consumer.task({
        name: "worker.report",
        queue: "reports",
        handler: (data: { n: number }) => data.n * 2,
      });
      consumer.work({ ...FAST_WORKER, concurrency: 1 });
      assert.equal(await job.result({ timeout: "5s" }), 42);
    });
  });
};

const throughputCases: ConformanceCases = (ctx) => {
  describe("worker: queues and throughput", () => {
    it("an idle worker takes a delayed job as soon as the test clock passes its due time", async () => {
      const c = ctx();
      const task = c.errand.task({ name: "worker.delayed", handler: () => "ran" });
      // A poll of an hour: only the clock's move can wake the worker in time.
      const worker = c.errand.work({ pollInterval: "1h", lease: "5s" });
      await worker.started();
      const job = await task.enqueue({}, { delay: "5m" });
      const first = await c.errand.jobs.get(job.id);
      assert.equal(first?.state, "scheduled");
      c.clock.advance("5m");
      assert.equal(await job.result({ timeout: "3s" }), "ran");
    });

    it("a worker takes jobs from the queues it was given and no others", async () => {
      const c = ctx();
      const [a, b, other] = ["q-a", "q-b", "q-c"].map((queue) =>
        c.errand.task({ name: `worker.${queue}`, queue, handler: () => queue }),
      );
      const jobs = await Promise.all([a, b, other].map((task) => task?.enqueue({})));
      const [jobA, jobB, jobOther] = jobs;
      const worker = c.errand.work({ ...FAST_WORKER, queues: ["q-a", "q-b"] });
      assert.equal(await jobA?.result({ timeout: "5s" }), "q-a");
      assert.equal(await jobB?.result({ timeout: "5s" }), "q-b");
      assert.equal((await c.errand.jobs.get(jobOther?.id ?? ""))?.state, "waiting");
      await worker.close();
      c.errand.work({ ...FAST_WORKER });
      assert.equal(await jobOther?.result({ timeout: "5s" }), "q-c");
    });

    it("a worker runs many jobs, each exactly once, none lost", async () => {
      const c = ctx();
      const total = 300;
      const runs = new Map<string, number>();
      const task = c.errand.task({
        name: "worker.many",
        handler: async (data: { i: number }, jc) => {
          runs.set(jc.job.id, (runs.get(jc.job.id) ?? 0) + 1);
          await new Promise((resolve) => setImmediate(resolve));
          return data.i;
        },
      });
      const jobs = await task.enqueueMany(
        Array.from({ length: total }, (_, i) => ({ data: { i } })),
      );
      c.errand.work({ ...FAST_WORKER, concurrency: 20 });
      const results = await within(
        Promise.all(jobs.map((job) => job.result())),
        `${total} jobs to complete`,
        30_000,
      );
      assert.deepEqual(
        results,
        jobs.map((_, i) => i),
      );
      assert.equal(runs.size, total);
      assert.deepEqual(
        [...runs.values()].filter((n) => n !== 1),
        [],
      );
      const counts = await c.errand.queues.counts("default");
      assert.equal(counts.completed, total);
      for (const state of ["scheduled", "waiting", "active", "dead", "cancelled"] as const)
        assert.equal(counts[state], 0, `${counts[state]} jobs are ${state}`);
    });
  });
};

export const workerCases: ConformanceCases = (ctx) => {
  limitCases(ctx);
  shutdownCases(ctx);
  routingCases(ctx);
  throughputCases(ctx);
};
