/*
 * Enqueue sends a batch as runs of jobs that share everything but their data (the fields
 * once, then each job's data; script-args.ts, enqueueRunArgs). These tests mix runs and
 * single jobs in one batch and read every job back, so a job given another's fields or
 * data, or a run cut in the wrong place, shows.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { NewJob } from "../../src/stores/contract.ts";
import { enqueueRunArgs } from "../../src/stores/redis/script-args.ts";
import { newJob } from "../harness/new-job.ts";
import { freshRedisStore } from "./fresh-store.ts";

const job = (i: number, extra: Partial<NewJob> = {}): NewJob =>
  newJob({ name: "work", queue: "runs", data: JSON.stringify({ i }), ...extra });

describe("Redis enqueue runs", () => {
  const fresh = freshRedisStore("runs");

  it("cuts a batch into runs wherever any field but the data changes", () => {
    const jobs = [job(0), job(1), job(2, { priority: 5 }), job(3, { priority: 5 }), job(4)];
    const args = enqueueRunArgs(jobs);
    // Three runs: two jobs, two jobs, one job; each 1 + 11 fields + its data.
    assert.equal(args.length, 3 * 12 + jobs.length);
    assert.deepEqual(
      [args[0], args[14], args[28]],
      [2, 2, 1],
      "the run lengths, at the start of each run",
    );
    assert.deepEqual(args.slice(12, 14), [jobs[0]?.data, jobs[1]?.data]);
  });

  it("every job of a mixed batch is stored with its own fields and data", async () => {
    const jobs = [
      job(0),
      job(1),
      job(2, { priority: 7 }),
      job(3, { priority: 7, group: "g" }),
      job(4, { key: "k4" }),
      job(5, { key: "k5" }),
      job(6, { name: "other", attempts: 9 }),
      job(7, { name: "other", attempts: 9 }),
      job(8),
      job(9, { delayMs: 60_000 }),
      job(10, { key: "k4" }),
    ];
    const results = await fresh.store.enqueue({ jobs });
    assert.equal(results[10]?.id, results[4]?.id, "the key's holder comes back");
    assert.deepEqual(
      results.map((r) => r.created),
      [true, true, true, true, true, true, true, true, true, true, false],
    );
    assert.equal(results[9]?.state, "scheduled");
    const records = await fresh.store.get({ ids: results.slice(0, 10).map((r) => r.id) });
    records.forEach((record, i) => {
      const input = jobs[i] as NewJob;
      assert.ok(record, `job ${i} stored`);
      assert.deepEqual(
        [record.name, record.data, record.priority, record.key, record.group, record.attempts],
        [input.name, input.data, input.priority, input.key, input.group, input.attempts],
        `job ${i}`,
      );
    });
  });
});
