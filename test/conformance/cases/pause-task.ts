import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ValidationError } from "../../../src/errors.ts";
import type { ConformanceCases } from "../context.ts";
import { claimWith } from "../flow-claims.ts";
import { FAST_WORKER, gate, within } from "../job-waits.ts";

export const pauseTaskCases: ConformanceCases = (ctx) => {
  describe("flow control: pausing a task", () => {
    it("a paused task is not claimed while other tasks in its queue are", async () => {
      const c = ctx();
      const held = await c.errand.enqueue("held", null, { priority: 10 });
      const free = await c.errand.enqueue("free", null);
      await c.errand.tasks.pause("held");
      const during = await claimWith(c);
      assert.deepEqual(
        during.jobs.map((j) => j.id),
        [free.id],
      );
      const info = await c.errand.jobs.get(held.id);
      assert.deepEqual([info?.state, info?.attempt], ["waiting", 0]);
      await c.errand.tasks.resume("held");
      assert.deepEqual(
        (await claimWith(c)).jobs.map((j) => j.id),
        [held.id],
      );
    });

    it("a paused task is held in every queue", async () => {
      const c = ctx();
      await c.errand.enqueue("held", null, { queue: "a" });
      await c.errand.enqueue("held", null, { queue: "b" });
      await c.errand.tasks.pause("held");
      assert.equal((await claimWith(c, { queues: ["a", "b"] })).jobs.length, 0);
      await c.errand.tasks.resume("held");
      assert.equal((await claimWith(c, { queues: ["a", "b"] })).jobs.length, 2);
    });

    it("pause and resume are idempotent and seen by other connections", async () => {
      const c = ctx();
      const other = c.newErrand();
      assert.equal(await c.errand.tasks.isPaused("held"), false);
      await c.errand.tasks.pause("held");
      await c.errand.tasks.pause("held");
      assert.equal(await other.tasks.isPaused("held"), true);
      assert.equal(await other.tasks.isPaused("free"), false);
      assert.equal(await other.queues.isPaused("default"), false, "the queue stays unpaused");
      await c.errand.enqueue("held", null);
      assert.equal((await claimWith(c, { store: c.openStore() })).jobs.length, 0);
      await other.tasks.resume("held");
      await other.tasks.resume("held");
      assert.equal(await c.errand.tasks.isPaused("held"), false);
      assert.equal((await claimWith(c)).jobs.length, 1);
    });

    it("a bad task name throws ValidationError", async () => {
      const c = ctx();
      await assert.rejects(c.errand.tasks.pause(""), ValidationError);
      await assert.rejects(c.errand.tasks.isPaused(" x"), ValidationError);
    });

    it("a worker runs a paused task's jobs once it is resumed", async () => {
      const c = ctx();
      const ran = gate<string>();
      c.errand.task({ name: "held", handler: (_d: unknown, jc) => ran.open(jc.job.id) });
      await c.errand.tasks.pause("held");
      const job = await c.errand.enqueue("held", null);
      const worker = c.errand.work(FAST_WORKER);
      await worker.started();
      await worker.runMaintenance();
      assert.equal((await c.errand.jobs.get(job.id))?.state, "waiting");
      await c.errand.tasks.resume("held");
      c.clock.advance(1);
      assert.equal(await within(ran.promise, "the resumed task's job to run"), job.id);
    });
  });
};
