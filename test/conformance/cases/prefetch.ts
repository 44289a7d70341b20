import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Errand } from "../../../src/errand.ts";
import type { ErrandEvent } from "../../../src/events.ts";
import type { Task } from "../../../src/task.ts";
import type { ConformanceCases } from "../context.ts";
import { countsUntil, FAST_WORKER, gate, within } from "../job-waits.ts";

/**
 * A task whose first started job holds its slot until `release` opens, so the jobs
 * claimed after it stay in the worker's buffer. Records every start by job id.
 */
function blockingTask(errand: Errand, name: string) {
  const release = gate();
  const firstStarted = gate();
  const firstReturned = gate();
  const starts: string[] = [];
  const task = errand.task({
    name,
    handler: async (_data: unknown, jc) => {
      starts.push(jc.job.id);
      if (starts.length === 1) {
        firstStarted.open();
        await release.promise;
        firstReturned.open();
      }
      return jc.job.attempt;
    },
  });
  return { task, release, firstStarted, firstReturned, starts };
}

async function enqueueN(task: Task<unknown>, n: number): Promise<string[]> {
  const jobs = await task.enqueueMany(Array.from({ length: n }, () => ({ data: {} })));
  return jobs.map((job) => job.id);
}

const prefetchCases: ConformanceCases = (ctx) => {
  describe("worker: prefetch", () => {
    it("claims ahead into its buffer, leased, yet never runs more handlers than its concurrency", async () => {
      const c = ctx();
      const { task, release, firstStarted, starts } = blockingTask(c.errand, "prefetch.ahead");
      const ids = await enqueueN(task, 5);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1, prefetch: 3 });
      await within(firstStarted.promise, "the first handler to start");
      const counts = await countsUntil(c.errand, (n) => n.active === 4, "4 jobs leased");
      assert.equal(counts.waiting, 1, "claimed more than concurrency + prefetch");
      assert.equal(starts.length, 1);
      assert.equal(worker.active, 1);
      release.open();
      await countsUntil(c.errand, (n) => n.completed === 5, "every job completed");
      assert.deepEqual([...starts].sort(), [...ids].sort());
    });

    it("close hands buffered jobs back at once, their start undone, while a running job still has its grace", async () => {
      const c = ctx();
      const { task, release, firstStarted, starts } = blockingTask(c.errand, "prefetch.close");
      const ids = await enqueueN(task, 6);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1, prefetch: 5 });
      await within(firstStarted.promise, "the first handler to start");
      await countsUntil(c.errand, (n) => n.active === 6, "every job leased");
      const closed = worker.close({ grace: "10s" });
      // The test clock stands still, so no lease expires: only the release can free them.
      await countsUntil(
        c.errand,
        (n) => n.waiting === 5 && n.active === 1,
        "the buffer handed back",
      );
      const first = starts[0];
      const buffered = ids.filter((id) => id !== first);
      for (const id of buffered) {
        const info = await c.errand.jobs.get(id);
        assert.deepEqual([info?.state, info?.attempt, info?.stalls], ["waiting", 0, 0], id);
      }
      const other = await c.store.claim({
        queues: ["default"],
        limit: 10,
        leaseMs: 1_000,
        workerId: "another worker",
        now: c.clock.now(),
      });
      assert.deepEqual(other.jobs.map((j) => j.id).sort(), [...buffered].sort());
      assert.ok(other.jobs.every((j) => j.attempt === 1));
      release.open();
      await within(closed, "close to finish");
      assert.equal((await c.errand.jobs.get(first ?? ""))?.state, "completed");
      assert.deepEqual(starts, [first], "a buffered job started after close began");
    });

    it("a frozen worker's buffered jobs are rescued once their leases expire and run once elsewhere", async () => {
      const c = ctx();
      const a = blockingTask(c.errand, "prefetch.frozen");
      const ids = await enqueueN(a.task, 5);
      // An hour-long lease: A sends no heartbeat during the test, like a frozen process.
      const workerA = c.errand.work({ ...FAST_WORKER, lease: "1h", concurrency: 1, prefetch: 4 });
      await within(a.firstStarted.promise, "A's first handler to start");
      await countsUntil(c.errand, (n) => n.active === 5, "every job leased by A");
      c.clock.advance("2h");
      const b = c.newErrand();
      const startsB: { id: string; attempt: number }[] = [];
      b.task({
        name: "prefetch.frozen",
        handler: (_data: unknown, jc) => {
          startsB.push({ id: jc.job.id, attempt: jc.job.attempt });
          return "from B";
        },
      });
      b.work({ ...FAST_WORKER, concurrency: 2 });
      await countsUntil(c.errand, (n) => n.completed === 5, "B to complete every job");
      assert.deepEqual(startsB.map((s) => s.id).sort(), [...ids].sort());
      assert.ok(startsB.every((s) => s.attempt === 2));
      for (const id of ids) {
        const info = await c.errand.jobs.get(id);
        assert.deepEqual([info?.stalls, info?.result], [1, "from B"], id);
      }
      // A wakes up, its slot free and its buffer full of leases it has not renewed for
      // longer than a lease: it must hand them back (a no-op now), not run them again.
      a.release.open();
      await a.firstReturned.promise;
      await countsUntil(c.errand, (n) => n.completed === 5, "A's stale outcomes to be refused");
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(a.starts.length, 1, "A started a buffered job whose lease it had lost");
      await workerA.close({ grace: "5s" });
      assert.equal(a.starts.length, 1);
      const counts = await c.errand.queues.counts("default");
      assert.deepEqual([counts.completed, counts.waiting, counts.active], [5, 0, 0]);
      for (const id of ids) {
        const info = await c.errand.jobs.get(id);
        assert.deepEqual([info?.attempt, info?.result], [2, "from B"], id);
      }
    });

    it("heartbeats keep the leases of buffered jobs alive", async () => {
      const c = ctx();
      const errand = c.newErrand({ clock: undefined });
      const watcher = c.newErrand({ clock: undefined });
      const stalled: ErrandEvent[] = [];
      errand.on("stalled", (e) => stalled.push(e));
      watcher.on("stalled", (e) => stalled.push(e));
      let running = 0;
      const task = errand.task({
        name: "prefetch.long",
        handler: async (_data: unknown, jc) => {
          running += 1;
          await new Promise((resolve) => setTimeout(resolve, 500));
          running -= 1;
          return { attempt: jc.job.attempt, running };
        },
      });
      watcher.task({ name: "prefetch.idle", queue: "idle", handler: () => null });
      const jobs = await task.enqueueMany(Array.from({ length: 3 }, () => ({ data: {} })));
      // Three jobs claimed at once; the last waits a second in the buffer, over three leases.
      errand.work({ lease: "300ms", concurrency: 1, prefetch: 2, pollInterval: "20ms" });
      watcher.work({ concurrency: 1, rescueInterval: "50ms" });
      const results = await within(
        Promise.all(jobs.map((job) => job.result({ timeout: "10s" }))),
        "the buffered jobs",
        10_000,
      );
      assert.deepEqual(results, [
        { attempt: 1, running: 0 },
        { attempt: 1, running: 0 },
        { attempt: 1, running: 0 },
      ]);
      assert.deepEqual(stalled, []);
    });

    it("a buffered job that is cancelled never starts", async () => {
      const c = ctx();
      const { task, release, firstStarted, starts } = blockingTask(c.errand, "prefetch.cancel");
      const ids = await enqueueN(task, 3);
      c.errand.work({ ...FAST_WORKER, concurrency: 1, prefetch: 2 });
      await within(firstStarted.promise, "the first handler to start");
      await countsUntil(c.errand, (n) => n.active === 3, "every job leased");
      const victim = ids.find((id) => id !== starts[0]) ?? "";
      assert.equal(await c.errand.jobs.cancel(victim), true);
      release.open();
      await countsUntil(c.errand, (n) => n.completed === 2, "the other jobs completed");
      assert.equal(starts.includes(victim), false, "the cancelled job ran");
      assert.equal((await c.errand.jobs.get(victim))?.state, "cancelled");
    });

    it("close waits until every finished job's outcome is stored", async () => {
      const c = ctx();
      const total = 40;
      let returned = 0;
      const allReturned = gate();
      const task = c.errand.task({
        name: "prefetch.quick",
        handler: () => {
          if (++returned === total) allReturned.open();
          return "done";
        },
      });
      await enqueueN(task, total);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 4, prefetch: 8 });
      await within(allReturned.promise, "every handler to return");
      await worker.close({ grace: 0 });
      const counts = await c.errand.queues.counts("default");
      assert.deepEqual([counts.completed, counts.waiting, counts.active], [total, 0, 0]);
    });
  });
};

export { prefetchCases };
