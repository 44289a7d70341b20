import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ClaimedJob } from "../../../src/stores/contract.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { claimOneByOne, claimWith, perGroup } from "../flow-claims.ts";
import { FAST_WORKER } from "../job-waits.ts";

/** Enqueues jobs of task "fair" per group, in the order given, in one batch. */
async function enqueueGroups(
  c: ConformanceContext,
  groups: [group: string | null, count: number, priority?: number][],
): Promise<void> {
  const task = c.errand.task<{ g: string | null }>({ name: "fair" });
  await task.enqueueMany(
    groups.flatMap(([group, count, priority]) =>
      Array.from({ length: count }, () => ({
        data: { g: group },
        options: {
          ...(group === null ? {} : { group }),
          ...(priority === undefined ? {} : { priority }),
        },
      })),
    ),
  );
}

/** The group of each claimed job ("-" for none, "none" for an empty claim). */
function groups(jobs: (ClaimedJob | null)[]): string[] {
  return jobs.map((j) => (j === null ? "none" : (j.group ?? "-")));
}

/** Splits a sequence into consecutive chunks of `size`, each sorted, to compare turns as sets. */
function turns(seq: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < seq.length; i += size) out.push(seq.slice(i, i + size).sort());
  return out;
}

function registerRotation(ctx: () => ConformanceContext): void {
  it("claims rotate between groups, so a big backlog does not starve small groups", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["big", 20],
      ["mid", 3],
      ["small", 2],
    ]);
    const seq = groups(await claimOneByOne(c, 9));
    assert.deepEqual(turns(seq, 3).slice(0, 2), [
      ["big", "mid", "small"],
      ["big", "mid", "small"],
    ]);
    assert.deepEqual(turns(seq.slice(6, 8), 2), [["big", "mid"]]);
    assert.equal(seq[8], "big", "once the small groups are done the big one has every claim");
  });

  it("one claim of many jobs takes from every group in turn", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["big", 20],
      ["mid", 3],
      ["small", 2],
    ]);
    assert.deepEqual(perGroup((await claimWith(c, { limit: 6 })).jobs), [
      "big:2",
      "mid:2",
      "small:2",
    ]);
    assert.deepEqual(perGroup((await claimWith(c, { limit: 4 })).jobs), ["big:3", "mid:1"]);
  });

  it("jobs without a group form one bucket that takes its turn with the groups", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      [null, 6],
      ["a", 6],
    ]);
    const seq = groups(await claimOneByOne(c, 6));
    assert.deepEqual(turns(seq, 2), [
      ["-", "a"],
      ["-", "a"],
      ["-", "a"],
    ]);
  });

  it("the rotation carries over between connections", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["a", 5],
      ["b", 5],
    ]);
    const [first] = await claimOneByOne(c, 1);
    const [second] = await claimOneByOne(c, 1, { store: c.openStore() });
    assert.notEqual(first?.group, second?.group);
  });

  it("priority orders the jobs within a group, not across groups", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["a", 1, 1],
      ["a", 1, 5],
      ["b", 1, 100],
      ["b", 1, 0],
    ]);
    const taken = await claimOneByOne(c, 4);
    const seq = groups(taken);
    assert.deepEqual(turns(seq, 2), [
      ["a", "b"],
      ["a", "b"],
    ]);
    const order = (g: string) => taken.filter((j) => j?.group === g).map((j) => j?.priority);
    assert.deepEqual(order("a"), [5, 1]);
    assert.deepEqual(order("b"), [100, 0]);
  });
}

function registerWeights(ctx: () => ConformanceContext): void {
  const limits = { fair: { groupWeights: { heavy: 3 } } };

  it("a group of weight w gets up to w jobs per turn", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["heavy", 12],
      ["light", 12],
    ]);
    assert.deepEqual(perGroup((await claimWith(c, { limit: 8, limits })).jobs), [
      "heavy:6",
      "light:2",
    ]);
  });

  it("weights hold for workers that claim one job at a time", async () => {
    const c = ctx();
    await enqueueGroups(c, [
      ["heavy", 12],
      ["light", 12],
    ]);
    const seq = groups(await claimOneByOne(c, 12, { limits }));
    assert.equal(seq.filter((g) => g === "heavy").length, 9);
    assert.equal(seq.filter((g) => g === "light").length, 3);
    assert.deepEqual(
      turns(seq, 4).map((t) => t.join(",")),
      ["heavy,heavy,heavy,light", "heavy,heavy,heavy,light", "heavy,heavy,heavy,light"],
    );
  });
}

function registerWorker(ctx: () => ConformanceContext): void {
  it("a worker finishes small groups early while a big group waits its turns", async () => {
    const c = ctx();
    const order: string[] = [];
    const task = c.errand.task<{ g: string }>({
      name: "fair.work",
      handler: (data) => void order.push(data.g),
    });
    const jobs = await task.enqueueMany([
      ...Array.from({ length: 40 }, () => ({ data: { g: "big" }, options: { group: "big" } })),
      ...Array.from({ length: 4 }, () => ({ data: { g: "small" }, options: { group: "small" } })),
    ]);
    c.errand.work({ ...FAST_WORKER, concurrency: 1 });
    await Promise.all(jobs.map((job) => job.result({ timeout: "10s" })));
    assert.equal(order.length, 44);
    assert.ok(
      order.lastIndexOf("small") < 10,
      `the small group finished at position ${order.lastIndexOf("small") + 1}`,
    );
  });
}

export const fairnessCases: ConformanceCases = (ctx) => {
  describe("flow control: fair groups", () => {
    describe("rotation", () => registerRotation(ctx));
    describe("weights", () => registerWeights(ctx));
    describe("in a worker", () => registerWorker(ctx));
  });
};
