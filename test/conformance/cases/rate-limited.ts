import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ErrandError, RateLimitedError } from "../../../src/errors.ts";
import type { JobContext } from "../../../src/task-options.ts";
import { waitForJob } from "../../../src/testing/wait-for-job.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimWith } from "../flow-claims.ts";
import { claimOne, FAST_WORKER, gate, within } from "../job-waits.ts";

/**
 * Declares task "upstream": its first start reports an upstream limit of one minute
 * (for the group only when `group` is set), later starts complete. Returns the thrown error.
 */
function upstreamTask(c: ConformanceContext, group = false): Promise<unknown> {
  const thrown = gate<unknown>();
  let calls = 0;
  c.errand.task({
    name: "upstream",
    handler: (_data: unknown, jc: JobContext) => {
      calls += 1;
      if (calls > 1) return "ok";
      try {
        jc.rateLimited("1m", { group });
      } catch (error) {
        thrown.open(error);
        throw error;
      }
    },
  });
  return thrown.promise;
}

function registerRuntime(ctx: () => ConformanceContext): void {
  it("ctx.rateLimited puts the job back without spending an attempt and blocks the task", async () => {
    const c = ctx();
    const thrown = upstreamTask(c);
    const first = await c.errand.enqueue("upstream", null);
    const second = await c.errand.enqueue("upstream", null);
    await c.errand.enqueue("other", null, { queue: "elsewhere" });
    c.errand.work({ ...FAST_WORKER, concurrency: 1 });
    const error = await within(thrown, "the handler to report the limit");
    assert.ok(error instanceof RateLimitedError && error instanceof ErrandError);
    assert.equal(error.code, "RATE_LIMITED");
    const postponed = await waitForJob(c.errand, first.id, { states: ["scheduled"] });
    assert.deepEqual(
      [postponed.attempt, postponed.runAt.getTime(), postponed.error],
      [0, c.clock.now() + 60_000, null],
    );
    assert.equal((await c.errand.jobs.get(second.id))?.state, "waiting");
    const store = c.openStore();
    const blocked = await claimWith(c, { store, queues: ["default", "elsewhere"] });
    assert.deepEqual(
      blocked.jobs.map((j) => j.name),
      ["other"],
      "the task is blocked for every process; other tasks are not",
    );
    c.clock.advance("1m");
    const done = await Promise.all([first, second].map((j) => j.result({ timeout: "5s" })));
    assert.deepEqual(done, ["ok", "ok"]);
    assert.equal((await c.errand.jobs.get(first.id))?.attempt, 1);
  });

  it("with { group: true } only the job's group is blocked", async () => {
    const c = ctx();
    const thrown = upstreamTask(c, true);
    const limited = await c.errand.enqueue("upstream", null, { group: "a" });
    const sameGroup = await c.errand.enqueue("upstream", null, { group: "a" });
    const otherGroup = await c.errand.enqueue("upstream", null, { group: "b" });
    c.errand.work({ ...FAST_WORKER, concurrency: 1 });
    const error = await within(thrown, "the handler to report the limit");
    assert.equal((error as RateLimitedError).group, true);
    assert.equal(await otherGroup.result({ timeout: "5s" }), "ok");
    assert.equal((await c.errand.jobs.get(limited.id))?.state, "scheduled");
    assert.equal((await c.errand.jobs.get(sameGroup.id))?.state, "waiting");
    c.clock.advance("1m");
    assert.equal(await sameGroup.result({ timeout: "5s" }), "ok");
    assert.equal(await limited.result({ timeout: "5s" }), "ok");
  });
}

function registerContract(ctx: () => ConformanceContext): void {
  it("postpone makes the job due after the delay with its start undone", async () => {
    const c = ctx();
    const job = await c.errand.enqueue("t", null);
    const claimed = await claimOne(c);
    const outcome = {
      kind: "postpone" as const,
      id: job.id,
      token: claimed.token,
      delayMs: 30_000,
    };
    assert.deepEqual(await c.store.settle({ outcomes: [outcome], now: c.clock.now() }), [true]);
    const info = await c.errand.jobs.get(job.id);
    assert.deepEqual(
      [info?.state, info?.attempt, info?.runAt.getTime()],
      ["scheduled", 0, c.clock.now() + 30_000],
    );
    assert.deepEqual(await c.store.settle({ outcomes: [outcome], now: c.clock.now() }), [false]);
    c.clock.advance("30s");
    assert.equal((await claimOne(c)).attempt, 1);
  });

  it("block holds a task until the delay passes, and keeps the later of two blocks", async () => {
    const c = ctx();
    await c.errand.enqueue("t", null);
    const now = c.clock.now();
    await c.store.block({ queue: "default", name: "t", group: null, delayMs: 300_000, now });
    await c.store.block({ queue: "default", name: "t", group: null, delayMs: 60_000, now });
    c.clock.advance("2m");
    const held = await claimWith(c);
    assert.equal(held.jobs.length, 0);
    c.clock.advance("3m");
    assert.equal((await claimWith(c)).jobs.length, 1);
  });

  it("a group block holds only that group of the task", async () => {
    const c = ctx();
    await c.errand.enqueue("t", null, { group: "a" });
    await c.errand.enqueue("t", null, { group: "b" });
    await c.errand.enqueue("t", null);
    await c.store.block({
      queue: "default",
      name: "t",
      group: "a",
      delayMs: 60_000,
      now: c.clock.now(),
    });
    const { jobs } = await claimWith(c);
    assert.deepEqual(jobs.map((j) => j.group ?? "-").sort(), ["-", "b"]);
    c.clock.advance("1m");
    assert.deepEqual(
      (await claimWith(c)).jobs.map((j) => j.group),
      ["a"],
    );
  });
}

export const rateLimitedCases: ConformanceCases = (ctx) => {
  describe("flow control: upstream rate limits", () => {
    describe("ctx.rateLimited", () => registerRuntime(ctx));
    describe("block and postpone", () => registerContract(ctx));
  });
};
