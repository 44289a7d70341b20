import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ErrandEvent, EventType } from "../../../src/events.ts";
import type { JobState } from "../../../src/job.ts";
import type { PruneParams, PruneRule, RawJob } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NO_RULE: PruneRule = { before: null, keep: null };

type FinishedState = Extract<JobState, "completed" | "dead" | "cancelled">;

/** Seeds finished jobs that finished `agoMs` before the test clock's now. */
function seedFinished(
  c: ConformanceContext,
  jobs: { state: FinishedState; agoMs: number; queue?: string }[],
): Promise<string[]> {
  const now = c.clock.now();
  return c.store.insertRaw(
    jobs.map(({ state, agoMs, queue }): RawJob => ({
      name: "old",
      queue: queue ?? "default",
      state,
      attempt: 1,
      createdAt: now - agoMs - 1_000,
      runAt: now - agoMs - 1_000,
      startedAt: now - agoMs - 500,
      finishedAt: now - agoMs,
      ...(state === "completed" ? { result: "1" } : {}),
      ...(state === "dead" ? { error: '{"name":"Error","message":"boom"}' } : {}),
    })),
  );
}

function prune(c: ConformanceContext, params: Partial<PruneParams>): Promise<number> {
  return c.store.prune({
    queues: ["default"],
    completed: NO_RULE,
    failed: NO_RULE,
    limit: 1_000,
    ...params,
  });
}

/** Which of `ids` still exist, in order. */
async function existing(c: ConformanceContext, ids: string[]): Promise<string[]> {
  const records = await c.store.get({ ids, now: c.clock.now() });
  return ids.filter((_, i) => records[i] !== null);
}

/** Resolves with the first event of `type` about job `id`. */
function nextEvent(
  errand: ConformanceContext["errand"],
  type: EventType,
  id: () => string | undefined,
): Promise<ErrandEvent> {
  return new Promise((resolve) => {
    const listener = (event: ErrandEvent): void => {
      if (event.jobId !== id()) return;
      errand.off(type, listener);
      resolve(event);
    };
    errand.on(type, listener);
  });
}

function registerPrune(ctx: () => ConformanceContext): void {
  it("prune by age deletes completed jobs finished before the cutoff only", async () => {
    const c = ctx();
    const [old, recent, dead, cancelled] = await seedFinished(c, [
      { state: "completed", agoMs: 2 * HOUR },
      { state: "completed", agoMs: 10 * MINUTE },
      { state: "dead", agoMs: 2 * HOUR },
      { state: "cancelled", agoMs: 2 * HOUR },
    ]);
    const live = await c.errand.task({ name: "live" }).enqueue({});
    const deleted = await prune(c, { completed: { before: c.clock.now() - HOUR, keep: null } });
    assert.equal(deleted, 1);
    assert.deepEqual(await existing(c, [old!, recent!, dead!, cancelled!, live.id]), [
      recent,
      dead,
      cancelled,
      live.id,
    ]);
  });

  it("prune by age of failed jobs deletes old dead and cancelled jobs, not completed", async () => {
    const c = ctx();
    const ids = await seedFinished(c, [
      { state: "dead", agoMs: 3 * HOUR },
      { state: "cancelled", agoMs: 3 * HOUR },
      { state: "dead", agoMs: 30 * MINUTE },
      { state: "completed", agoMs: 3 * HOUR },
    ]);
    const deleted = await prune(c, { failed: { before: c.clock.now() - HOUR, keep: null } });
    assert.equal(deleted, 2);
    assert.deepEqual(await existing(c, ids), [ids[2], ids[3]]);
  });

  it("prune by count keeps the newest finished jobs per queue", async () => {
    const c = ctx();
    const inA = await seedFinished(
      c,
      [50, 40, 30, 20, 10].map((m) => ({ state: "completed", agoMs: m * MINUTE, queue: "qa" })),
    );
    const inB = await seedFinished(
      c,
      [30, 20, 10].map((m) => ({ state: "completed", agoMs: m * MINUTE, queue: "qb" })),
    );
    const [deadA] = await seedFinished(c, [{ state: "dead", agoMs: HOUR, queue: "qa" }]);
    const deleted = await prune(c, {
      queues: ["qa", "qb"],
      completed: { before: null, keep: 2 },
    });
    assert.equal(deleted, 4);
    assert.deepEqual(await existing(c, inA), inA.slice(3));
    assert.deepEqual(await existing(c, inB), inB.slice(1));
    assert.deepEqual(await existing(c, [deadA!]), [deadA]);
  });

  it("prune by count applies to dead and cancelled jobs together", async () => {
    const c = ctx();
    const ids = await seedFinished(c, [
      { state: "dead", agoMs: 40 * MINUTE },
      { state: "cancelled", agoMs: 30 * MINUTE },
      { state: "dead", agoMs: 20 * MINUTE },
      { state: "completed", agoMs: 50 * MINUTE },
    ]);
    assert.equal(await prune(c, { failed: { before: null, keep: 1 } }), 2);
    assert.deepEqual(await existing(c, ids), [ids[2], ids[3]]);
  });

  it("prune only touches the given queues", async () => {
    const c = ctx();
    const ids = await seedFinished(c, [
      { state: "completed", agoMs: 2 * HOUR, queue: "qa" },
      { state: "completed", agoMs: 2 * HOUR, queue: "qb" },
      { state: "dead", agoMs: 2 * HOUR, queue: "qb" },
    ]);
    const cutoff = { before: c.clock.now() - HOUR, keep: null };
    assert.equal(await prune(c, { queues: ["qa"], completed: cutoff, failed: cutoff }), 1);
    assert.deepEqual(await existing(c, ids), [ids[1], ids[2]]);
  });

  it("prune deletes at most limit jobs per call", async () => {
    const c = ctx();
    const ids = await seedFinished(
      c,
      Array.from({ length: 10 }, (_, i) => ({ state: "completed", agoMs: (i + 2) * HOUR })),
    );
    const old = { completed: { before: c.clock.now() - HOUR, keep: null }, limit: 4 };
    assert.equal(await prune(c, old), 4);
    assert.equal((await existing(c, ids)).length, 6);
    assert.equal(await prune(c, old), 4);
    assert.equal(await prune(c, old), 2);
    assert.equal(await prune(c, old), 0);
    assert.deepEqual(await existing(c, ids), []);
  });
}

function registerWorkerRetention(ctx: () => ConformanceContext): void {
  it("keepCompleted 0 removes a job as it completes", { timeout: 10_000 }, async () => {
    const c = ctx();
    const errand = c.newErrand({ keepCompleted: 0 });
    errand.task<{ n: number }>({ name: "double", handler: (data) => data.n * 2 });
    errand.task({
      name: "doomed",
      attempts: 1,
      handler: () => {
        throw new Error("no luck");
      },
    });
    // Listen before the jobs exist, so no event can be missed; the ids are filled in next.
    const ids: { done?: string; dead?: string } = {};
    const completed = nextEvent(errand, "completed", () => ids.done);
    const died = nextEvent(errand, "dead", () => ids.dead);
    const doneId = (ids.done = (await errand.enqueue("double", { n: 21 })).id);
    const deadId = (ids.dead = (await errand.enqueue("doomed", {})).id);
    const worker = errand.work({ concurrency: 1, lease: "5s" });
    const event = await completed;
    await died;
    await worker.close();
    assert.equal(event.result, 42);
    assert.equal(await errand.jobs.get(doneId), null);
    assert.equal((await errand.jobs.get(deadId))?.state, "dead");
    assert.equal((await errand.queues.counts("default")).completed, 0);
  });

  it("a worker's maintenance prunes completed jobs past keepCompleted and keeps dead ones", async () => {
    const c = ctx();
    const errand = c.newErrand({ keepCompleted: "1h", keepDead: "30d" });
    const [done, dead] = await seedFinished(c, [
      { state: "completed", agoMs: 0 },
      { state: "dead", agoMs: 0 },
    ]);
    const worker = errand.work({ queues: ["default"], concurrency: 1, lease: "5s" });
    await worker.started();
    c.clock.advance("2h");
    const [fresh] = await seedFinished(c, [{ state: "completed", agoMs: 0 }]);
    await worker.runMaintenance();
    assert.deepEqual(await existing(c, [done!, dead!, fresh!]), [dead, fresh]);
    c.clock.advance("31d");
    await worker.runMaintenance();
    assert.deepEqual(await existing(c, [done!, dead!, fresh!]), []);
    await worker.close();
  });
}

export const retentionCases: ConformanceCases = (ctx) => {
  describe("retention", () => {
    describe("store.prune", () => registerPrune(ctx));
    describe("workers", () => registerWorkerRetention(ctx));
  });
};
