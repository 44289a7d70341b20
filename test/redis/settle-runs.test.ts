/*
 * Settle on Redis takes its outcomes as runs of one kind (script-args.ts, settle.lua) and
 * counts the jobs leaving `active` down per task and group once per batch. These tests
 * check the runs the client builds, that a malformed call is refused before it writes
 * anything, and the running counts after runs of several kinds over tasks and groups.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ClaimedJob, Outcome } from "../../src/stores/contract.ts";
import { settleRunArgs } from "../../src/stores/redis/script-args.ts";
import { newJob } from "../harness/new-job.ts";
import { freshRedisStore } from "./fresh-store.ts";

const QUEUE = "runs";

const complete = (j: { id: string; token: string }, remove = false): Outcome => ({
  kind: "complete",
  id: j.id,
  token: j.token,
  result: "1",
  remove,
});
const dead = (j: { id: string; token: string }): Outcome => ({
  kind: "dead",
  id: j.id,
  token: j.token,
  error: '"e"',
});

describe("settle runs (client side)", () => {
  it("joins consecutive outcomes of one kind into a run, and remove is a kind of its own", () => {
    const at = (i: number) => ({ id: `${i}:q`, token: `t${i}` });
    const outcomes: Outcome[] = [
      complete(at(1)),
      complete(at(2)),
      complete(at(3), true),
      dead(at(4)),
      { kind: "retry", id: "5:q", token: "t5", error: '"r"', delayMs: 250 },
      { kind: "postpone", id: "6:q", token: "t6", delayMs: 10 },
      { kind: "release", id: "7:q", token: "t7" },
      complete(at(8)),
    ];
    assert.deepEqual(
      settleRunArgs(outcomes, ["1", "2", "3", "4", "5", "6", "7", "8"]),
      [
        ["complete", "2", "1", "t1", "1", "2", "t2", "1"],
        ["remove", "1", "3", "t3", "1"],
        ["dead", "1", "4", "t4", '"e"'],
        ["retry", "1", "5", "t5", '250:"r"'],
        ["postpone", "1", "6", "t6", "10"],
        ["release", "1", "7", "t7", ""],
        ["complete", "1", "8", "t8", "1"],
      ].flat(),
    );
    assert.deepEqual(settleRunArgs([], []), []);
  });
});

describe("settle runs (Redis)", () => {
  const fresh = freshRedisStore(QUEUE);

  async function claim(limit: number): Promise<ClaimedJob[]> {
    const { jobs } = await fresh.store.claim({
      queues: [QUEUE],
      limit,
      leaseMs: 30_000,
      workerId: "w",
    });
    assert.equal(jobs.length, limit);
    return jobs;
  }

  /** The settle script called as the store calls it, with the arguments given. */
  function runSettle(args: string[]): Promise<unknown> {
    const run = (fresh.store as unknown as { run: (...a: unknown[]) => Promise<unknown> }).run;
    return run("settle", QUEUE, ["", ...args]);
  }

  it("counts running jobs down by task and group across runs of several kinds", async () => {
    const job = (name: string, group: string | null, i: number) =>
      newJob({ name, queue: QUEUE, group, data: JSON.stringify({ i }) });
    await fresh.store.enqueue({
      jobs: [
        job("a", null, 1),
        job("a", "g1", 2),
        job("a", "g1", 3),
        job("a", "g2", 4),
        job("b", "g1", 5),
        job("b", null, 6),
      ],
    });
    const jobs = await claim(6);
    const byData = new Map(jobs.map((j) => [JSON.parse(j.data).i as number, j]));
    const j = (i: number) => byData.get(i) as ClaimedJob;
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}running`), {
      "1:a:": "4",
      "1:a:g1": "2",
      "1:a:g2": "1",
      "1:b:": "2",
      "1:b:g1": "1",
    });
    // Runs: complete, complete (remove), dead, complete; job 3 and 6 keep running.
    const settled = await fresh.store.settle({
      outcomes: [complete(j(1)), complete(j(2)), complete(j(4), true), dead(j(5))],
    });
    assert.deepEqual(settled, [true, true, true, true]);
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}running`), {
      "1:a:": "1",
      "1:a:g1": "1",
      "1:b:": "1",
    });
    assert.deepEqual(await fresh.store.settle({ outcomes: [complete(j(3)), complete(j(6))] }), [
      true,
      true,
    ]);
    assert.equal(await fresh.raw.exists(`${fresh.base}running`), 0);
    const counts = await fresh.store.counts({ queue: QUEUE });
    assert.deepEqual([counts.active, counts.completed, counts.dead], [0, 4, 1]);
  });

  it("refuses an unknown kind or a run longer than its arguments, writing nothing", async () => {
    await fresh.store.enqueue({ jobs: [newJob({ name: "t", queue: QUEUE })] });
    const [a] = await claim(1);
    const n = a!.id.slice(0, a!.id.indexOf(":"));
    const before = await fresh.raw.hgetall(`${fresh.base}job:${n}`);
    // A good first run does not get applied when a later one is malformed.
    await assert.rejects(
      runSettle(["complete", "1", n, a!.token, "1", "finish", "1", n, "x", "1"]),
      /unknown outcome kind finish/,
    );
    await assert.rejects(runSettle(["complete", "2", n, a!.token, "1"]), /bad run length/);
    await assert.rejects(runSettle(["complete", "0"]), /bad run length/);
    await assert.rejects(runSettle(["complete", "x", n, a!.token, "1"]), /bad run length/);
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}job:${n}`), before);
    assert.equal(await fresh.raw.zcard(`${fresh.base}leases`), 1);
    // The same outcome, well formed, applies.
    assert.deepEqual(await runSettle(["complete", "1", n, a!.token, "1"]), [1]);
    assert.equal(await fresh.raw.hget(`${fresh.base}job:${n}`, "state"), "completed");
  });
});
