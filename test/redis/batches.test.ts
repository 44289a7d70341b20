/*
 * Batches on Redis: settle, extend and enqueue gather their index changes and write them
 * once per batch (docs/redis.md, "Batches"). These tests give one batch mixed outcomes and
 * stale tokens, then check each job's record and every set the store keeps for it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { ClaimedJob, NewJob, Outcome } from "../../src/stores/contract.ts";
import { parseJobId } from "../../src/stores/redis/keys.ts";
import { newJob } from "../harness/new-job.ts";
import { freshRedisStore } from "./fresh-store.ts";

const QUEUE = "batches";

function workJob(i: number, extra: Partial<NewJob> = {}): NewJob {
  return newJob({ name: "work", queue: QUEUE, data: JSON.stringify({ i }), ...extra });
}

describe("Redis batches", () => {
  const fresh = freshRedisStore(QUEUE);

  const n = (id: string) => (parseJobId(id) as { n: string }).n;

  async function claimAll(count: number): Promise<ClaimedJob[]> {
    const { jobs } = await fresh.store.claim({
      queues: [QUEUE],
      limit: count,
      leaseMs: 30_000,
      workerId: "batches-test",
    });
    assert.equal(jobs.length, count);
    return jobs;
  }

  /** The sets a job is in, by suffix of its key, among the state sets and indexes. */
  async function setsOf(id: string): Promise<string[]> {
    const names = ["all", "pending", "due", "active", "leases", "completed", "dead"];
    // `active` is no longer written (listing reads `leases`): a job found in it is a bug.
    names.push("done:completed", "done:failed", `lane:${"work".length}:work:`);
    const scores = await Promise.all(
      names.map((s) => fresh.raw.zscore(`${fresh.base}${s}`, n(id))),
    );
    const lane = await fresh.raw.zrange(`${fresh.base}lane:${"work".length}:work:`, 0, -1);
    return names.filter(
      (s, i) =>
        scores[i] !== null ||
        (s.startsWith("lane:") && lane.some((m) => Number(m.slice(16)) === Number(n(id)))),
    );
  }

  it("settles mixed outcomes in one batch, each job in exactly its new state's sets", async () => {
    await fresh.store.enqueue({ jobs: Array.from({ length: 7 }, (_, i) => workJob(i)) });
    const [a, b, c, d, e, f, g] = await claimAll(7);
    const outcomes: Outcome[] = [
      { kind: "complete", id: a!.id, token: a!.token, result: '"a"', remove: false },
      { kind: "dead", id: b!.id, token: b!.token, error: '"b"' },
      { kind: "retry", id: c!.id, token: c!.token, error: '"c"', delayMs: 0 },
      { kind: "release", id: d!.id, token: d!.token },
      { kind: "complete", id: e!.id, token: e!.token, result: '"e"', remove: true },
      { kind: "postpone", id: f!.id, token: f!.token, delayMs: 60_000 },
      { kind: "complete", id: g!.id, token: `${g!.token}x`, result: '"g"', remove: false },
    ];
    assert.deepEqual(await fresh.store.settle({ outcomes }), [
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);

    const records = await fresh.store.get({ ids: [a!, b!, c!, d!, e!, f!, g!].map((j) => j.id) });
    assert.deepEqual(
      records.map((r) => r?.state ?? null),
      ["completed", "dead", "waiting", "waiting", null, "scheduled", "active"],
    );
    assert.equal(records[0]?.result, '"a"');
    assert.equal(records[1]?.error, '"b"');
    assert.equal(records[2]?.error, '"c"');
    assert.equal(records[6]?.result, null);

    assert.deepEqual(await setsOf(a!.id), ["all", "completed", "done:completed"]);
    assert.deepEqual(await setsOf(b!.id), ["all", "dead", "done:failed"]);
    assert.deepEqual(await setsOf(c!.id), ["all", "pending", "lane:4:work:"]);
    assert.deepEqual(await setsOf(d!.id), ["all", "pending", "lane:4:work:"]);
    assert.deepEqual(await setsOf(e!.id), []);
    assert.deepEqual(await setsOf(f!.id), ["all", "pending", "due"]);
    assert.deepEqual(await setsOf(g!.id), ["all", "leases"]);
    // Only g still runs; the waiting count matches the two jobs back in line.
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}running`), { "4:work:": "1" });
    assert.equal(await fresh.raw.hget(`${fresh.base}meta`, "waiting"), "2");
    const counts = await fresh.store.counts({ queue: QUEUE });
    assert.deepEqual(
      [counts.waiting, counts.scheduled, counts.active, counts.completed, counts.dead],
      [2, 1, 1, 1, 1],
    );
    // The two jobs back in line are claimed next, and nothing else is.
    const again = await fresh.store.claim({
      queues: [QUEUE],
      limit: 10,
      leaseMs: 30_000,
      workerId: "w",
    });
    assert.deepEqual(again.jobs.map((j) => j.id).sort(), [c!.id, d!.id].sort());
  });

  it("a stale token in a batch changes nothing for that job only", async () => {
    await fresh.store.enqueue({ jobs: [workJob(1), workJob(2), workJob(3)] });
    const [a, b, c] = await claimAll(3);
    const leaseBefore = await fresh.raw.zscore(`${fresh.base}leases`, n(b!.id));
    const hashBefore = await fresh.raw.hgetall(`${fresh.base}job:${n(b!.id)}`);
    const complete = (j: ClaimedJob, token: string): Outcome => ({
      kind: "complete",
      id: j.id,
      token,
      result: "1",
      remove: false,
    });
    const settled = await fresh.store.settle({
      outcomes: [complete(a!, a!.token), complete(b!, "not-the-token"), complete(c!, c!.token)],
    });
    assert.deepEqual(settled, [true, false, true]);
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}job:${n(b!.id)}`), hashBefore);
    assert.equal(await fresh.raw.zscore(`${fresh.base}leases`, n(b!.id)), leaseBefore);
    assert.deepEqual(await setsOf(b!.id), ["all", "leases"]);
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}running`), { "4:work:": "1" });
    // Its real holder still settles it.
    assert.deepEqual(await fresh.store.settle({ outcomes: [complete(b!, b!.token)] }), [true]);
    assert.deepEqual(await fresh.raw.hgetall(`${fresh.base}running`), {});
    assert.equal(await fresh.raw.zcard(`${fresh.base}completed`), 3);
  });

  it("a job named twice in one batch is settled once, by the first outcome", async () => {
    await fresh.store.enqueue({ jobs: [workJob(1)] });
    const [a] = await claimAll(1);
    const settled = await fresh.store.settle({
      outcomes: [
        { kind: "dead", id: a!.id, token: a!.token, error: '"first"' },
        { kind: "complete", id: a!.id, token: a!.token, result: "1", remove: false },
      ],
    });
    assert.deepEqual(settled, [true, false]);
    assert.deepEqual(await setsOf(a!.id), ["all", "dead", "done:failed"]);
    assert.equal(await fresh.raw.exists(`${fresh.base}running`), 0);
  });

  it("extends the held leases of a batch and leaves a stale one alone", async () => {
    await fresh.store.enqueue({ jobs: [workJob(1), workJob(2), workJob(3)] });
    const [a, b, c] = await claimAll(3);
    const before = await fresh.raw.zscore(`${fresh.base}leases`, n(b!.id));
    const now = Date.now() + 500_000;
    const extended = await fresh.store.extend({
      leases: [a!, { id: b!.id, token: "stale" }, c!].map((j) => ({ id: j.id, token: j.token })),
      leaseMs: 1_000,
      now,
    });
    assert.deepEqual(extended, [true, false, true]);
    assert.equal(Number(await fresh.raw.zscore(`${fresh.base}leases`, n(a!.id))), now + 1_000);
    assert.equal(Number(await fresh.raw.zscore(`${fresh.base}leases`, n(c!.id))), now + 1_000);
    assert.equal(
      await fresh.raw.hget(`${fresh.base}job:${n(c!.id)}`, "lease"),
      String(now + 1_000),
    );
    assert.equal(await fresh.raw.zscore(`${fresh.base}leases`, n(b!.id)), before);
  });

  it("an enqueue batch debouncing its own earlier job leaves one entry per job", async () => {
    const results = await fresh.store.enqueue({
      jobs: [
        workJob(1, { key: "k", debounceMs: 60_000 }),
        workJob(2),
        workJob(3, { delayMs: 60_000 }),
        workJob(4, { key: "k", debounceMs: 60_000 }),
      ],
    });
    assert.deepEqual(
      results.map((r) => [r.created, r.state]),
      [
        [true, "waiting"],
        [true, "waiting"],
        [true, "scheduled"],
        [false, "scheduled"],
      ],
    );
    assert.equal(results[3]?.id, results[0]?.id);
    assert.equal(await fresh.raw.zcard(`${fresh.base}lane:4:work:`), 1);
    assert.equal(await fresh.raw.hget(`${fresh.base}meta`, "waiting"), "1");
    assert.deepEqual(await setsOf(results[0]!.id), ["all", "pending", "due"]);
    assert.deepEqual(await setsOf(results[2]!.id), ["all", "pending", "due"]);
    assert.equal((await fresh.store.get({ ids: [results[0]!.id] }))[0]?.data, '{"i":4}');
    const { jobs } = await fresh.store.claim({
      queues: [QUEUE],
      limit: 10,
      leaseMs: 30_000,
      workerId: "w",
    });
    assert.deepEqual(
      jobs.map((j) => j.data),
      ['{"i":2}'],
    );
    assert.equal(await fresh.raw.hget(`${fresh.base}meta`, "waiting"), "0");
    assert.equal(await fresh.raw.exists(`${fresh.base}lane:4:work:`), 0);
  });

  it("groups of one enqueue batch join the rotation in the batch's order", async () => {
    await fresh.store.enqueue({
      jobs: [
        workJob(1, { group: "zeta" }),
        workJob(2, { group: "alpha" }),
        workJob(3, { group: "zeta" }),
        workJob(4, { group: "mid" }),
      ],
    });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { jobs } = await fresh.store.claim({
        queues: [QUEUE],
        limit: 1,
        leaseMs: 30_000,
        workerId: "w",
      });
      order.push(`${jobs[0]?.group}:${jobs[0]?.data}`);
    }
    assert.deepEqual(order, ['zeta:{"i":1}', 'alpha:{"i":2}', 'mid:{"i":4}', 'zeta:{"i":3}']);
  });
});
