import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ErrandEvent } from "../../../src/events.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimOne, FAST_WORKER, gate, nextJobEvent, within } from "../job-waits.ts";

/** Enqueues one job by name (optionally through a task with maxStalls) and returns its id. */
async function enqueueOne(c: ConformanceContext, maxStalls?: number): Promise<string> {
  if (maxStalls === undefined) return (await c.errand.enqueue("leases.job", {})).id;
  const task = c.errand.task({ name: "leases.fragile", maxStalls });
  return (await task.enqueue({})).id;
}

function rescueAt(c: ConformanceContext) {
  return c.store.rescue({ limit: 100, now: c.clock.now() });
}

const contractCases: ConformanceCases = (ctx) => {
  describe("leases (contract)", () => {
    it("extend pushes the lease's expiry and returns true", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("800ms");
      const held = await c.store.extend({
        leases: [{ id, token: job.token }],
        leaseMs: 1_000,
        now: c.clock.now(),
      });
      assert.deepEqual(held, [true]);
      c.clock.advance("900ms");
      assert.deepEqual(await rescueAt(c), [], "the extended lease was rescued early");
      c.clock.advance("101ms");
      const rescued = await rescueAt(c);
      assert.deepEqual(
        rescued.map((r) => r.id),
        [id],
      );
    });

    it("extend with a stale or made-up token returns false and changes nothing", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const first = await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      await rescueAt(c);
      assert.deepEqual(
        await c.store.extend({
          leases: [{ id, token: first.token }],
          leaseMs: 60_000,
          now: c.clock.now(),
        }),
        [false],
      );
      assert.equal((await c.errand.jobs.get(id))?.state, "waiting");
      const second = await claimOne(c, { leaseMs: 1_000 });
      const held = await c.store.extend({
        leases: [
          { id, token: first.token },
          { id, token: `${second.token}x` },
        ],
        leaseMs: 60_000,
        now: c.clock.now(),
      });
      assert.deepEqual(held, [false, false]);
      c.clock.advance("1001ms");
      const rescued = await rescueAt(c);
      assert.deepEqual(
        rescued.map((r) => r.id),
        [id],
        "a stale extend pushed the current lease",
      );
    });

    it("rescue makes a job with an expired lease waiting again without spending an attempt", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("1001ms");
      const rescued = await rescueAt(c);
      assert.equal(rescued.length, 1);
      assert.equal(rescued[0]?.id, id);
      assert.equal(rescued[0]?.state, "waiting");
      assert.equal(rescued[0]?.stalls, 1);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "waiting");
      assert.equal(info?.stalls, 1);
      assert.equal(info?.attempt, 1, "attempt counts starts, the lost one included");
      const again = await claimOne(c);
      assert.equal(again.attempt, 2);
      assert.equal(again.stalls, 1);
    });

    it("a job lost maxStalls times is dead with an error about its lost worker", async () => {
      const c = ctx();
      const id = await enqueueOne(c, 2);
      await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      assert.equal((await rescueAt(c))[0]?.state, "waiting");
      await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      const rescued = await rescueAt(c);
      assert.equal(rescued[0]?.state, "dead");
      assert.equal(rescued[0]?.stalls, 2);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "dead");
      assert.equal(info?.stalls, 2);
      assert.match(info?.error?.message ?? "", /lost/i);
      assert.equal(info?.finishedAt?.getTime(), c.clock.now());
    });

    it("rescue does not touch live leases", async () => {
      const c = ctx();
      const early = await enqueueOne(c);
      const late = await enqueueOne(c);
      const a = await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("900ms");
      const b = await claimOne(c, { leaseMs: 1_000 });
      assert.deepEqual([a.id, b.id], [early, late]);
      c.clock.advance("500ms");
      const rescued = await rescueAt(c);
      assert.deepEqual(
        rescued.map((r) => r.id),
        [early],
      );
      assert.equal((await c.errand.jobs.get(late))?.state, "active");
      const applied = await c.store.settle({
        outcomes: [{ kind: "complete", id: late, token: b.token, result: "1", remove: false }],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true]);
    });

    it("a job settled before rescue is never reverted, even when its lease had expired", async () => {
      const c = ctx();
      const onTime = await enqueueOne(c);
      const late = await enqueueOne(c);
      const a = await claimOne(c, { leaseMs: 1_000 });
      const b = await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("500ms");
      await c.store.settle({
        outcomes: [{ kind: "complete", id: onTime, token: a.token, result: '"a"', remove: false }],
        now: c.clock.now(),
      });
      c.clock.advance("1s");
      const applied = await c.store.settle({
        outcomes: [{ kind: "complete", id: late, token: b.token, result: '"b"', remove: false }],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true], "an expired lease not yet rescued still settles");
      c.clock.advance("1h");
      assert.deepEqual(await rescueAt(c), []);
      for (const [id, result] of [
        [onTime, "a"],
        [late, "b"],
      ] as const) {
        const info = await c.errand.jobs.get(id);
        assert.equal(info?.state, "completed");
        assert.equal(info?.result, result);
        assert.equal(info?.stalls, 0);
      }
    });

    it("a worker whose lease was taken over cannot settle the job another worker completed", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const other = c.openStore();
      const a = await claimOne(c, { leaseMs: 1_000, workerId: "A" });
      c.clock.advance("2s");
      await other.rescue({ limit: 10, now: c.clock.now() });
      const claimed = await other.claim({
        queues: ["default"],
        limit: 1,
        leaseMs: 1_000,
        workerId: "B",
        now: c.clock.now(),
      });
      const b = claimed.jobs[0];
      assert.equal(b?.id, id);
      assert.deepEqual(
        await other.settle({
          outcomes: [{ kind: "complete", id, token: b.token, result: '"B"', remove: false }],
          now: c.clock.now(),
        }),
        [true],
      );
      const stale = await c.store.settle({
        outcomes: [{ kind: "complete", id, token: a.token, result: '"A"', remove: false }],
        now: c.clock.now(),
      });
      assert.deepEqual(stale, [false]);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "completed");
      assert.equal(info?.result, "B");
    });
  });
};

const runtimeCases: ConformanceCases = (ctx) => {
  describe("leases (runtime)", () => {
    it("a stalled worker's late result is discarded after another worker completed the job", async () => {
      const c = ctx();
      const release = gate();
      const aFinished = gate();
      c.errand.task({
        name: "leases.fenced",
        handler: async () => {
          await release.promise;
          aFinished.open();
          return "from A";
        },
      });
      const job = await c.errand.enqueue<string>("leases.fenced", {});
      const started = nextJobEvent(c.errand, "started", job.id);
      // An hour-long lease: A sends no heartbeat during the test, like a frozen process.
      const workerA = c.errand.work({ ...FAST_WORKER, lease: "1h", concurrency: 1 });
      await started;
      c.clock.advance("2h");
      const b = c.newErrand();
      b.task({ name: "leases.fenced", handler: () => "from B" });
      const completed = nextJobEvent(b, "completed", job.id);
      b.work({ ...FAST_WORKER, concurrency: 1 });
      assert.equal((await completed).result, "from B");
      const aEvents: ErrandEvent[] = [];
      c.errand.on("completed", (e) => aEvents.push(e));
      release.open();
      await aFinished.promise;
      await workerA.close({ grace: "5s" });
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.state, "completed");
      assert.equal(info?.result, "from B");
      assert.equal(info?.attempt, 2);
      assert.equal(info?.stalls, 1);
      assert.deepEqual(
        aEvents.filter((e) => e.result === "from A"),
        [],
      );
    });

    it("a job that stalls with attempts left still gets all its tries", async () => {
      const c = ctx();
      const seen: number[] = [];
      const task = c.errand.task({
        name: "leases.one-try",
        attempts: 2,
        backoff: { type: "fixed", delay: "1s" },
        handler: (_data: unknown, jc) => {
          seen.push(jc.job.attempt);
          throw new Error(`failed on start ${jc.job.attempt}`);
        },
      });
      const job = await task.enqueue({});
      await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      const retrying = nextJobEvent(c.errand, "retrying", job.id);
      const dead = nextJobEvent(c.errand, "dead", job.id);
      const worker = c.errand.work({ ...FAST_WORKER, concurrency: 1 });
      await worker.runMaintenance();
      await retrying;
      c.clock.advance("1s");
      await dead;
      assert.deepEqual(seen, [2, 3], "the lost start counts as an attempt number, not a try");
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.stalls, 1);
      assert.equal(info?.error?.message, "failed on start 3");
    });

    it("heartbeats keep a long job's lease alive", async () => {
      const c = ctx();
      const errand = c.newErrand({ clock: undefined });
      const watcher = c.newErrand({ clock: undefined });
      const stalled: ErrandEvent[] = [];
      errand.on("stalled", (e) => stalled.push(e));
      watcher.on("stalled", (e) => stalled.push(e));
      const task = errand.task({
        name: "leases.long",
        handler: async (_data: unknown, jc) => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return { attempt: jc.job.attempt, aborted: jc.signal.aborted };
        },
      });
      watcher.task({ name: "leases.idle", queue: "idle", handler: () => null });
      const job = await task.enqueue({});
      errand.work({ lease: "300ms", concurrency: 1, pollInterval: "20ms" });
      // Another process's maintenance looks for expired leases every 50 ms meanwhile.
      watcher.work({ concurrency: 1, rescueInterval: "50ms" });
      const result = await within(job.result({ timeout: "10s" }), "the long job");
      assert.deepEqual(result, { attempt: 1, aborted: false });
      const info = await errand.jobs.get(job.id);
      assert.equal(info?.attempt, 1);
      assert.equal(info?.stalls, 0);
      assert.deepEqual(stalled, []);
    });
  });
};

export const leasesCases: ConformanceCases = (ctx) => {
  contractCases(ctx);
  runtimeCases(ctx);
};
