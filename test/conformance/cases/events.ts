import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ErrandEvent, EventType } from "../../../src/events.ts";
import type { Job } from "../../../src/job-handle.ts";
import { type ConformanceCases, requireCapability } from "../context.ts";
import { claimOne, FAST_WORKER, nextJobEvent, recordEvents, untilListening } from "../job-waits.ts";

const LIFECYCLE: EventType[] = ["enqueued", "started", "progress", "completed"];

/** Checks the fields every event carries, and returns the events about `job`. */
function eventsOf(seen: ErrandEvent[], job: Job<unknown>): ErrandEvent[] {
  const mine = seen.filter((e) => e.jobId === job.id);
  for (const event of mine) {
    assert.equal(event.name, job.name, `${event.type} names the task`);
    assert.equal(event.queue, job.queue, `${event.type} names the queue`);
    assert.ok(event.at instanceof Date && !Number.isNaN(event.at.getTime()), `${event.type}.at`);
  }
  return mine;
}

const localCases: ConformanceCases = (ctx) => {
  describe("events in the process that caused them", () => {
    it("listeners receive enqueued, started, progress and completed with the result", async () => {
      const c = ctx();
      const seen = recordEvents(c.errand, LIFECYCLE);
      const task = c.errand.task({
        name: "events.lifecycle",
        queue: "events",
        handler: async (_data: unknown, jc) => {
          await jc.progress(50);
          return { ok: true };
        },
      });
      const job = await task.enqueue({});
      const completed = nextJobEvent(c.errand, "completed", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await completed;
      const mine = eventsOf(seen, job);
      assert.deepEqual(
        mine.map((e) => e.type),
        LIFECYCLE,
      );
      assert.equal(mine[1]?.attempt, 1);
      assert.equal(mine[2]?.progress, 50);
      assert.deepEqual(mine[3]?.result, { ok: true });
    });

    it("listeners receive retrying with the error and attempt, then dead with the error", async () => {
      const c = ctx();
      const seen = recordEvents(c.errand, ["retrying", "dead"]);
      const task = c.errand.task({
        name: "events.failing",
        attempts: 2,
        backoff: { type: "fixed", delay: "1s" },
        handler: (_data: unknown, jc) => {
          throw new RangeError(`boom ${jc.job.attempt}`);
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      const dead = nextJobEvent(c.errand, "dead", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await retrying;
      c.clock.advance("1s");
      await dead;
      const [retry, last] = eventsOf(seen, job);
      assert.equal(retry?.type, "retrying");
      assert.equal(retry?.attempt, 1);
      assert.equal(retry?.error?.name, "RangeError");
      assert.equal(retry?.error?.message, "boom 1");
      assert.equal(last?.type, "dead");
      assert.equal(last?.error?.name, "RangeError");
      assert.equal(last?.error?.message, "boom 2");
    });

    it("listeners receive cancelled", async () => {
      const c = ctx();
      const seen = recordEvents(c.errand, ["cancelled"]);
      const job = await c.errand.enqueue("events.later", {}, { delay: "1h", queue: "events" });
      assert.equal(await c.errand.jobs.cancel(job.id), true);
      assert.deepEqual(
        eventsOf(seen, job).map((e) => e.type),
        ["cancelled"],
      );
    });

    it("listeners receive stalled when a lost worker's job is rescued", async () => {
      const c = ctx();
      c.errand.task({ name: "events.lost", handler: () => "rerun" });
      const job = await c.errand.enqueue("events.lost", {});
      await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      const stalled = nextJobEvent(c.errand, "stalled", job.id);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await worker.runMaintenance();
      const event = await stalled;
      assert.deepEqual(eventsOf([event], job), [event]);
      assert.equal(await job.result({ timeout: "5s" }), "rerun");
    });

    it("a listener that throws does not break the worker", async () => {
      const c = ctx();
      const fail = (): void => {
        throw new Error("a buggy listener");
      };
      for (const type of ["enqueued", "started", "completed"] as const) c.errand.on(type, fail);
      const task = c.errand.task({ name: "events.sturdy", handler: (data: number) => data * 2 });
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const first = await task.enqueue(1);
      assert.equal(await first.result({ timeout: "5s" }), 2);
      const second = await task.enqueue(2);
      assert.equal(await second.result({ timeout: "5s" }), 4);
    });

    it("off() stops delivery to that listener", async () => {
      const c = ctx();
      const heard: string[] = [];
      const listener = (e: ErrandEvent): void => void heard.push(e.jobId);
      c.errand.on("completed", listener);
      const task = c.errand.task({ name: "events.once", handler: () => null });
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      const first = await task.enqueue({});
      await nextJobEvent(c.errand, "completed", first.id);
      c.errand.off("completed", listener);
      const second = await task.enqueue({});
      await nextJobEvent(c.errand, "completed", second.id);
      assert.deepEqual(heard, [first.id]);
    });
  });
};

const crossProcessCases: ConformanceCases = (ctx) => {
  describe("events across processes", () => {
    it("events reach a listener on another Errand connected to the same store", async (t) => {
      if (!requireCapability(t, ctx(), "crossProcessEvents")) return;
      const c = ctx();
      const listener = c.newErrand();
      const seen = recordEvents(listener, [...LIFECYCLE, "retrying"]);
      await untilListening(listener, c.errand);
      const task = c.errand.task({
        name: "events.remote",
        queue: "events",
        attempts: 2,
        backoff: { type: "fixed", delay: "1s" },
        handler: async (_data: unknown, jc) => {
          if (jc.job.attempt === 1) throw new Error("first try");
          await jc.progress({ done: 1 });
          return "heard far away";
        },
      });
      const job = await task.enqueue({});
      const retrying = nextJobEvent(listener, "retrying", job.id);
      const completed = nextJobEvent(listener, "completed", job.id);
      c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      assert.equal((await retrying).error?.message, "first try");
      c.clock.advance("1s");
      assert.equal((await completed).result, "heard far away");
      const mine = eventsOf(seen, job);
      assert.deepEqual(
        mine.map((e) => e.type),
        ["enqueued", "started", "retrying", "started", "progress", "completed"],
      );
      assert.deepEqual(mine[4]?.progress, { done: 1 });
    });
  });
};

export const eventsCases: ConformanceCases = (ctx) => {
  localCases(ctx);
  crossProcessCases(ctx);
};
