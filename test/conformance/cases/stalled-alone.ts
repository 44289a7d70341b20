import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimOne, countsUntil, FAST_WORKER, type Gate, gate, within } from "../job-waits.ts";

/** One handler run: when it began and ended, in the order of this process's events. */
interface Run {
  id: string;
  began: number;
  ended: number | null;
}

/**
 * A task whose handlers record when they run (as a sequence number, so overlaps are
 * exact) and wait on the gate the test gives for their job, if any.
 */
function recordingTask(c: ConformanceContext, name: string) {
  const runs: Run[] = [];
  const holds = new Map<string, Gate>();
  const started = new Map<string, Gate>();
  let tick = 0;
  const task = c.errand.task({
    name,
    handler: async (_data: unknown, jc) => {
      const run: Run = { id: jc.job.id, began: tick++, ended: null };
      runs.push(run);
      started.get(jc.job.id)?.open();
      await holds.get(jc.job.id)?.promise;
      run.ended = tick++;
      return "done";
    },
  });
  /** Makes the handler of `id` wait until the returned gate opens. */
  const hold = (id: string) => {
    const g = gate();
    holds.set(id, g);
    const s = gate();
    started.set(id, s);
    return { release: g, started: s.promise };
  };
  return { task, runs, hold };
}

/** Makes the job `id` stall once: claimed by a worker that vanishes, its lease expired, rescued. */
async function stallOnce(c: ConformanceContext, id: string): Promise<void> {
  const lost = await claimOne(c, { leaseMs: 1_000, workerId: "a worker that died" });
  assert.equal(lost.id, id);
  c.clock.advance("2s");
  const rescued = await c.store.rescue({ limit: 10, now: c.clock.now() });
  assert.deepEqual(
    rescued.map((r) => [r.id, r.state, r.stalls]),
    [[id, "waiting", 1]],
  );
}

/** Fails unless the runs of `id` overlap no other run. */
function assertAlone(runs: Run[], id: string): void {
  const mine = runs.filter((r) => r.id === id);
  assert.ok(mine.length > 0, `${id} never ran`);
  for (const run of mine) {
    for (const other of runs) {
      if (other === run) continue;
      const end = run.ended ?? Number.POSITIVE_INFINITY;
      const otherEnd = other.ended ?? Number.POSITIVE_INFINITY;
      assert.ok(
        otherEnd < run.began || other.began > end,
        `the stalled job ${id} ran alongside ${other.id}`,
      );
    }
  }
}

const stalledAloneCases: ConformanceCases = (ctx) => {
  describe("worker: a job that stalled runs alone", () => {
    it("jobs claimed in its batch wait in the buffer, leased, until it returns, then all complete", async () => {
      const c = ctx();
      const { task, runs, hold } = recordingTask(c, "alone.batch");
      const stalled = (await task.enqueue({})).id;
      await stallOnce(c, stalled);
      const others = (await task.enqueueMany([{ data: {} }, { data: {} }, { data: {} }])).map(
        (j) => j.id,
      );
      const k = hold(stalled);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 4, prefetch: 3 });
      await within(k.started, "the stalled job to start");
      await countsUntil(c.errand, (n) => n.active === 4, "the whole batch leased");
      // Four slots, four jobs leased by this worker: only the stalled one may run.
      await delay(50);
      assert.deepEqual(
        runs.map((r) => r.id),
        [stalled],
      );
      assert.equal(worker.active, 1);
      k.release.open();
      await countsUntil(c.errand, (n) => n.completed === 4, "every job completed");
      assertAlone(runs, stalled);
      assert.deepEqual(runs.map((r) => r.id).sort(), [stalled, ...others].sort());
      assert.equal(runs.length, 4, "a job ran twice");
      const info = await c.errand.jobs.get(stalled);
      assert.deepEqual([info?.state, info?.stalls, info?.attempt], ["completed", 1, 2]);
    });

    it("without prefetch the rest of its batch is handed back before it starts, attempts undone", async () => {
      const c = ctx();
      const { task, runs, hold } = recordingTask(c, "alone.handback");
      const stalled = (await task.enqueue({})).id;
      await stallOnce(c, stalled);
      const others = (await task.enqueueMany([{ data: {} }, { data: {} }, { data: {} }])).map(
        (j) => j.id,
      );
      const k = hold(stalled);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 4 });
      await within(k.started, "the stalled job to start");
      // Should this process die now, it holds no lease but the stalled job's.
      const counts = await c.errand.queues.counts("default");
      assert.deepEqual([counts.active, counts.waiting], [1, 3]);
      for (const id of others) {
        const info = await c.errand.jobs.get(id);
        assert.deepEqual([info?.state, info?.attempt, info?.stalls], ["waiting", 0, 0], id);
      }
      await delay(50);
      assert.deepEqual(
        runs.map((r) => r.id),
        [stalled],
        "a job started, or was claimed again, while the stalled job ran",
      );
      assert.equal(worker.active, 1);
      assert.equal((await c.errand.queues.counts("default")).waiting, 3);
      k.release.open();
      await countsUntil(c.errand, (n) => n.completed === 4, "every job completed");
      assertAlone(runs, stalled);
      assert.equal(runs.length, 4, "a job ran twice");
      for (const id of others) {
        const info = await c.errand.jobs.get(id);
        assert.deepEqual([info?.state, info?.attempt, info?.stalls], ["completed", 1, 0], id);
      }
    });

    it("waits for running jobs to finish, and nothing behind it starts first", async () => {
      const c = ctx();
      const { task, runs, hold } = recordingTask(c, "alone.fifo");
      const stalled = (await task.enqueue({})).id;
      await stallOnce(c, stalled);
      // Higher priority: claimed ahead of the stalled job, which waits behind it.
      const first = (await task.enqueue({}, { priority: 5 })).id;
      const behind = (await task.enqueueMany([{ data: {} }, { data: {} }])).map((j) => j.id);
      const a = hold(first);
      const k = hold(stalled);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 4, prefetch: 2 });
      await within(a.started, "the first job to start");
      await countsUntil(c.errand, (n) => n.active === 4, "every job leased");
      await delay(50);
      // Three slots are free, yet the stalled job waits for the running one, and the jobs
      // behind it wait for it.
      assert.deepEqual(
        runs.map((r) => r.id),
        [first],
      );
      assert.equal(worker.active, 1);
      a.release.open();
      await within(k.started, "the stalled job to start once the first returned");
      await delay(50);
      assert.deepEqual(
        runs.map((r) => r.id),
        [first, stalled],
      );
      k.release.open();
      await countsUntil(c.errand, (n) => n.completed === 4, "every job completed");
      assertAlone(runs, stalled);
      assert.deepEqual(
        runs
          .slice(2)
          .map((r) => r.id)
          .sort(),
        [...behind].sort(),
      );
    });
  });
};

export { stalledAloneCases };
