/*
 * claim.lua answers a job's numbers as integer replies (records.ts reads them as they
 * come). This test claims jobs whose numbers take every form a job can have, negative,
 * zero, large, and compares each claimed job with its record.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { JobRecord } from "../../src/stores/contract.ts";
import { newJob } from "../harness/new-job.ts";
import { freshRedisStore } from "./fresh-store.ts";

const QUEUE = "claim-reply";

describe("Redis claim reply", () => {
  const fresh = freshRedisStore(QUEUE);

  it("gives each job's numbers, key and group exactly as its record holds them", async () => {
    const now = Date.now();
    await fresh.store.enqueue({
      jobs: [
        newJob({ name: "a", queue: QUEUE, priority: -7, attempts: 1, maxStalls: 0 }),
        newJob({ name: "b", queue: QUEUE, priority: 2_000_000_000, attempts: 25, maxStalls: 9 }),
        newJob({ name: "c", queue: QUEUE, key: "k", group: "g", runAt: now - 86_400_000 }),
      ],
    });
    const { jobs } = await fresh.store.claim({
      queues: [QUEUE],
      limit: 3,
      leaseMs: 30_000,
      workerId: "w",
    });
    assert.equal(jobs.length, 3);
    const records = (await fresh.store.get({ ids: jobs.map((j) => j.id) })) as JobRecord[];
    jobs.forEach((job, i) => {
      const record = records[i] as JobRecord;
      for (const field of ["priority", "attempt", "attempts", "stalls", "maxStalls"] as const) {
        assert.equal(typeof job[field], "number", field);
        assert.equal(job[field], record[field], `${job.name} ${field}`);
      }
      assert.equal(job.createdAt, record.createdAt);
      assert.equal(job.runAt, record.runAt);
      assert.equal(job.key, record.key);
      assert.equal(job.group, record.group);
      assert.equal(job.attempt, 1);
    });
    assert.deepEqual(
      jobs.map((j) => [j.name, j.priority, j.attempts, j.maxStalls, j.key, j.group]),
      [
        ["b", 2_000_000_000, 25, 9, null, null],
        ["c", 0, 3, 3, "k", "g"],
        ["a", -7, 1, 0, null, null],
      ],
    );
  });
});
