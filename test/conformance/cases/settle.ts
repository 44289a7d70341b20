import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Outcome } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimOne } from "../job-waits.ts";
import { retryCases } from "./retries.ts";

const ERROR = JSON.stringify({ name: "Error", message: "boom" });

/** Enqueues one job by name and returns its id. */
async function enqueueOne(c: ConformanceContext, name = "settle.job"): Promise<string> {
  return (await c.errand.enqueue(name, { n: 1 })).id;
}

/** Every kind of outcome for one lease. */
function everyOutcome(id: string, token: string): Outcome[] {
  return [
    { kind: "complete", id, token, result: '"stale"', remove: false },
    { kind: "retry", id, token, error: ERROR, delayMs: 0 },
    { kind: "dead", id, token, error: ERROR },
    { kind: "release", id, token },
  ];
}

const contractCases: ConformanceCases = (ctx) => {
  describe("settle (contract)", () => {
    it("complete stores the result and the finish time", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      c.clock.advance("250ms");
      const applied = await c.store.settle({
        outcomes: [
          { kind: "complete", id, token: job.token, result: '{"ok":true}', remove: false },
        ],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true]);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "completed");
      assert.deepEqual(info?.result, { ok: true });
      assert.equal(info?.finishedAt?.getTime(), c.clock.now());
      assert.equal(info?.attempt, 1);
    });

    it("complete with remove deletes the job", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      const applied = await c.store.settle({
        outcomes: [{ kind: "complete", id, token: job.token, result: "1", remove: true }],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true]);
      assert.equal(await c.errand.jobs.get(id), null);
    });

    it("settle with a stale token after a rescue returns false and changes nothing", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c, { leaseMs: 1_000 });
      c.clock.advance("2s");
      const rescued = await c.store.rescue({ limit: 10, now: c.clock.now() });
      assert.deepEqual(
        rescued.map((r) => r.id),
        [id],
      );
      const before = await c.errand.jobs.get(id);
      assert.equal(before?.state, "waiting");
      c.clock.advance("1s");
      const applied = await c.store.settle({
        outcomes: everyOutcome(id, job.token),
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [false, false, false, false]);
      assert.deepEqual(await c.errand.jobs.get(id), before);
    });

    it("settle with the token of an earlier claim changes nothing, and the current token still works", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const first = await claimOne(c, { leaseMs: 1_000, workerId: "A" });
      c.clock.advance("2s");
      await c.store.rescue({ limit: 10, now: c.clock.now() });
      const second = await claimOne(c, { leaseMs: 1_000, workerId: "B" });
      assert.notEqual(second.token, first.token);
      const before = await c.errand.jobs.get(id);
      assert.equal(before?.state, "active");
      assert.equal(before?.attempt, 2);
      c.clock.advance("100ms");
      const stale = await c.store.settle({
        outcomes: everyOutcome(id, first.token),
        now: c.clock.now(),
      });
      assert.deepEqual(stale, [false, false, false, false]);
      assert.deepEqual(await c.errand.jobs.get(id), before);
      const current = await c.store.settle({
        outcomes: [{ kind: "complete", id, token: second.token, result: '"B"', remove: false }],
        now: c.clock.now(),
      });
      assert.deepEqual(current, [true]);
      assert.equal((await c.errand.jobs.get(id))?.result, "B");
    });

    it("settle with a made-up token changes nothing", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      const before = await c.errand.jobs.get(id);
      c.clock.advance("100ms");
      const applied = await c.store.settle({
        outcomes: everyOutcome(id, `${job.token}x`),
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [false, false, false, false]);
      assert.deepEqual(await c.errand.jobs.get(id), before);
    });

    it("settle of a job that does not exist returns false", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      await c.errand.jobs.remove(id);
      const applied = await c.store.settle({
        outcomes: everyOutcome(id, job.token),
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [false, false, false, false]);
    });

    it("settle applies each outcome of a batch on its own", async () => {
      const c = ctx();
      const first = await enqueueOne(c);
      const second = await enqueueOne(c);
      const a = await claimOne(c);
      const b = await claimOne(c);
      const applied = await c.store.settle({
        outcomes: [
          { kind: "complete", id: a.id, token: "not-the-token", result: "1", remove: false },
          { kind: "complete", id: b.id, token: b.token, result: "2", remove: false },
        ],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [false, true]);
      assert.deepEqual(new Set([a.id, b.id]), new Set([first, second]));
      assert.equal((await c.errand.jobs.get(a.id))?.state, "active");
      assert.equal((await c.errand.jobs.get(b.id))?.state, "completed");
    });

    it("a retry outcome makes the job scheduled until its delay has passed", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      const settledAt = c.clock.now();
      const applied = await c.store.settle({
        outcomes: [{ kind: "retry", id, token: job.token, error: ERROR, delayMs: 60_000 }],
        now: settledAt,
      });
      assert.deepEqual(applied, [true]);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "scheduled");
      assert.equal(info?.runAt.getTime(), settledAt + 60_000);
      assert.deepEqual(info?.error, { name: "Error", message: "boom" });
      c.clock.advance(59_999);
      const early = await c.store.claim({
        queues: ["default"],
        limit: 1,
        leaseMs: 1_000,
        workerId: "w",
        now: c.clock.now(),
      });
      assert.deepEqual(early.jobs, []);
      assert.equal(early.nextDueInMs, 1);
      c.clock.advance(1);
      assert.equal((await c.errand.jobs.get(id))?.state, "waiting");
      const again = await claimOne(c);
      assert.equal(again.id, id);
      assert.equal(again.attempt, 2);
    });

    it("a dead outcome stores the error and the job never runs again", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const job = await claimOne(c);
      const error = { name: "TypeError", message: "bad input", stack: "TypeError: bad input" };
      const applied = await c.store.settle({
        outcomes: [{ kind: "dead", id, token: job.token, error: JSON.stringify(error) }],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true]);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "dead");
      assert.deepEqual(info?.error, error);
      assert.equal(info?.finishedAt?.getTime(), c.clock.now());
      c.clock.advance("1d");
      const later = await c.store.claim({
        queues: ["default"],
        limit: 1,
        leaseMs: 1_000,
        workerId: "w",
        now: c.clock.now(),
      });
      assert.deepEqual(later.jobs, []);
    });

    it("a release hands the job back to waiting with its start undone", async () => {
      const c = ctx();
      const id = await enqueueOne(c);
      const first = await claimOne(c);
      await c.store.settle({
        outcomes: [{ kind: "retry", id, token: first.token, error: ERROR, delayMs: 0 }],
        now: c.clock.now(),
      });
      const second = await claimOne(c);
      assert.equal(second.attempt, 2);
      const applied = await c.store.settle({
        outcomes: [{ kind: "release", id, token: second.token }],
        now: c.clock.now(),
      });
      assert.deepEqual(applied, [true]);
      const info = await c.errand.jobs.get(id);
      assert.equal(info?.state, "waiting");
      assert.equal(info?.attempt, 1);
      const third = await claimOne(c);
      assert.equal(third.id, id);
      assert.equal(third.attempt, 2);
    });
  });
};

/** Settling through the contract, then retries and backoff as the runtime applies them. */
export const settleCases: ConformanceCases = (ctx) => {
  contractCases(ctx);
  retryCases(ctx);
};
