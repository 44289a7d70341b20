/**
 * Retries and backoff as a worker applies them: part of the settle cases (run from
 * `settleCases`), in a file of their own to keep both files short.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { JobFailedError, RetryAfterError, UnrecoverableError } from "../../../src/errors.ts";
import type { BackoffOptions } from "../../../src/policy/backoff.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { FAST_WORKER, nextJobEvent } from "../job-waits.ts";

/**
 * Runs a task whose handler always fails through a worker and returns the delay before
 * each retry (runAt minus the settle time), moving the clock past each one.
 */
async function retryDelays(
  c: ConformanceContext,
  options: { attempts: number; backoff: BackoffOptions },
): Promise<number[]> {
  const task = c.errand.task({
    name: "settle.failing",
    ...options,
    handler: () => {
      throw new Error("still failing");
    },
  });
  const job = await task.enqueue({});
  c.errand.work({ ...FAST_WORKER, concurrency: 1 });
  const delays: number[] = [];
  for (let i = 1; i < options.attempts; i++) {
    await nextJobEvent(c.errand, "retrying", job.id);
    const info = await c.errand.jobs.get(job.id);
    assert.equal(info?.state, "scheduled");
    const delay = (info?.runAt.getTime() ?? 0) - c.clock.now();
    delays.push(delay);
    c.clock.advance(delay);
  }
  return delays;
}

export const retryCases: ConformanceCases = (ctx) => {
  describe("retries and backoff (runtime)", () => {
    it("a handler that throws is retried after a fixed backoff", async () => {
      const c = ctx();
      const attempts: number[] = [];
      const task = c.errand.task({
        name: "settle.flaky",
        attempts: 3,
        backoff: { type: "fixed", delay: "10s" },
        handler: (_data: unknown, jc) => {
          attempts.push(jc.job.attempt);
          if (jc.job.attempt === 1) throw new Error("first try fails");
          return "ok";
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await retrying;
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "scheduled");
      assert.equal(info?.runAt.getTime(), c.clock.now() + 10_000);
      assert.equal(info?.error?.message, "first try fails");
      c.clock.advance("10s");
      assert.equal(await job.result({ timeout: "5s" }), "ok");
      assert.deepEqual(attempts, [1, 2]);
    });

    it("exponential backoff doubles the delay after each failure", async () => {
      const delays = await retryDelays(ctx(), {
        attempts: 4,
        backoff: { type: "exponential", delay: "1s" },
      });
      assert.deepEqual(delays, [1_000, 2_000, 4_000]);
    });

    it("backoff max caps every delay", async () => {
      const delays = await retryDelays(ctx(), {
        attempts: 5,
        backoff: { type: "exponential", delay: "1s", max: "3s" },
      });
      assert.deepEqual(delays, [1_000, 2_000, 3_000, 3_000]);
    });

    it("a backoff function gets the attempt and the error and sets the delay", async () => {
      const calls: [number, string][] = [];
      const delays = await retryDelays(ctx(), {
        attempts: 3,
        backoff: (attempt, error) => {
          calls.push([attempt, (error as Error).message]);
          return attempt === 1 ? "7s" : 1_500;
        },
      });
      assert.deepEqual(delays, [7_000, 1_500]);
      assert.deepEqual(calls, [
        [1, "still failing"],
        [2, "still failing"],
      ]);
    });

    it("jitter keeps each delay between the reduced and the full delay", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "settle.jittery",
        attempts: 2,
        backoff: { type: "fixed", delay: "10s", jitter: true },
        handler: () => {
          throw new Error("fails");
        },
      });
      const jobs = await task.enqueueMany(Array.from({ length: 6 }, () => ({ data: {} })));
      const retried = jobs.map((job) => nextJobEvent(c.errand, "retrying", job.id));
      c.errand.work({ ...FAST_WORKER, concurrency: 6 });
      await Promise.all(retried);
      const delays: number[] = [];
      for (const job of jobs) {
        const info = await c.errand.jobs.get(job.id);
        delays.push((info?.runAt.getTime() ?? 0) - c.clock.now());
      }
      for (const delay of delays) assert.ok(delay >= 5_000 && delay <= 10_000, `delay ${delay}`);
      assert.ok(new Set(delays).size > 1, `every delay was ${delays[0]}: no jitter applied`);
    });

    it("after its last attempt a job is dead with the error stored", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "settle.doomed",
        attempts: 2,
        backoff: { type: "fixed", delay: "1s" },
        handler: (_data: unknown, jc) => {
          throw new TypeError(`attempt ${jc.job.attempt} failed`);
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      const dead = nextJobEvent(c.errand, "dead", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await retrying;
      c.clock.advance("1s");
      await dead;
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "dead");
      assert.equal(info?.attempt, 2);
      assert.equal(info?.error?.name, "TypeError");
      assert.equal(info?.error?.message, "attempt 2 failed");
      assert.match(info?.error?.stack ?? "", /attempt 2 failed/);
      assert.equal(info?.finishedAt?.getTime(), c.clock.now());
    });

    it("an UnrecoverableError makes the job dead at once", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "settle.unrecoverable",
        attempts: 5,
        handler: () => {
          throw new UnrecoverableError("the account is gone");
        },
      });
      const job = await task.enqueue({});
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await assert.rejects(job.result({ timeout: "5s" }), JobFailedError);
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "dead");
      assert.equal(info?.attempt, 1);
      assert.equal(info?.error?.name, "UnrecoverableError");
      assert.equal(info?.error?.message, "the account is gone");
    });

    it("a RetryAfterError sets the next attempt's delay", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "settle.rate-limited",
        backoff: { type: "fixed", delay: "1s" },
        handler: (_data: unknown, jc) => {
          if (jc.job.attempt === 1) throw new RetryAfterError("slow down", "90s");
          return jc.job.attempt;
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await retrying;
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "scheduled");
      assert.equal(info?.runAt.getTime(), c.clock.now() + 90_000);
      c.clock.advance("89s");
      assert.equal((await c.errand.jobs.get(job.id))?.state, "scheduled");
      c.clock.advance("1s");
      assert.equal(await job.result({ timeout: "5s" }), 2);
    });

    it("ctx.job.attempt counts every try", async () => {
      const c = ctx();
      const seen: number[] = [];
      const task = c.errand.task({
        name: "settle.counting",
        attempts: 3,
        backoff: { type: "fixed", delay: "1s" },
        handler: (_data: unknown, jc) => {
          seen.push(jc.job.attempt);
          if (jc.job.attempt < 3) throw new Error(`try ${jc.job.attempt}`);
          return { attempts: jc.job.attempts };
        },
      });
      const job = await task.enqueue({});
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      for (let i = 1; i < 3; i++) {
        await nextJobEvent(c.errand, "retrying", job.id);
        c.clock.advance("1s");
      }
      assert.deepEqual(await job.result({ timeout: "5s" }), { attempts: 3 });
      assert.deepEqual(seen, [1, 2, 3]);
    });

    it("job.result() throws a JobFailedError for a dead job", async () => {
      const c = ctx();
      const task = c.errand.task({
        name: "settle.fails-once",
        attempts: 1,
        handler: () => {
          throw new Error("no luck");
        },
      });
      const job = await task.enqueue({});
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const error = await job.result({ timeout: "5s" }).then(
        () => assert.fail("result() resolved for a dead job"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof JobFailedError);
      assert.equal(error.code, "JOB_FAILED");
      assert.equal(error.state, "dead");
      assert.equal(error.jobId, job.id);
      assert.match(error.message, /no luck/);
    });
  });
};
