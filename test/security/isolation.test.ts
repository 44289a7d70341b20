/*
 * Tenants on one server (issue 7, scenario 9): two Redis key prefixes, one nested in the
 * other's namespace, and two PostgreSQL schemas never see each other's jobs. Each side
 * enqueues the same task names, queue and dedup key; a worker and an event listener on
 * one side only ever meet that side's jobs, and a listing or lookup never returns the
 * other side's data.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Redis } from "ioredis";

import { Errand } from "../../src/errand.ts";
import type { ErrandEvent } from "../../src/events.ts";
import type { Store } from "../../src/stores/contract.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { waitForJob } from "../../src/testing/wait-for-job.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";
import { deletePrefix, TEST_REDIS_URL, testPrefix } from "../harness/redis-harness.ts";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const JOBS = 20;

interface Side {
  name: "A" | "B";
  errand: Errand;
  ids: string[];
}

async function fill(side: Side): Promise<void> {
  for (let n = 0; n < JOBS; n += 1) {
    const job = await side.errand.enqueue(
      "iso.job",
      { from: side.name, n },
      n === 0 ? { key: "same-key" } : {},
    );
    assert.equal(job.created, true, "a dedup key of the other side held this one back");
    side.ids.push(job.id);
  }
}

/** Enqueues on both sides, works only B, and checks A saw nothing of B. */
async function checkIsolation(openA: () => Store, openB: () => Store): Promise<void> {
  const a: Side = { name: "A", errand: new Errand({ store: openA(), logger: false }), ids: [] };
  const b: Side = { name: "B", errand: new Errand({ store: openB(), logger: false }), ids: [] };
  const heardByA: ErrandEvent[] = [];
  a.errand.on("completed", (event) => heardByA.push(event));
  a.errand.on("enqueued", (event) => heardByA.push(event));
  const ranOnB: string[] = [];
  b.errand.task<{ from: string }>({
    name: "iso.job",
    handler: (data) => void ranOnB.push(data.from),
  });
  try {
    await a.errand.migrate();
    await b.errand.migrate();
    await fill(a);
    await fill(b);
    b.errand.work({ concurrency: 4, pollInterval: "20ms" });
    for (const id of b.ids) {
      assert.equal((await waitForJob(b.errand, id, { timeout: "10s" })).state, "completed");
    }
    assert.deepEqual(new Set(ranOnB), new Set(["B"]));
    assert.equal(ranOnB.length, JOBS);

    const countsA = await a.errand.queues.counts("default");
    assert.equal(countsA.waiting, JOBS, JSON.stringify(countsA));
    assert.equal(countsA.completed, 0);
    const { jobs } = await a.errand.jobs.list({ limit: 1_000 });
    assert.equal(jobs.length, JOBS);
    assert.ok(jobs.every((job) => (job.data as { from: string }).from === "A"));
    for (const id of b.ids) {
      const seen = await a.errand.jobs.get(id);
      // Ids may repeat across tenants; what A finds under one is always its own job.
      assert.ok(seen === null || (seen.data as { from: string }).from === "A");
    }
    // Let any stray cross-tenant event arrive before looking.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const completed = heardByA.filter((e) => e.type === "completed");
    assert.deepEqual(completed, [], "A heard B's completions");
    const idsA = new Set(a.ids);
    assert.ok(
      heardByA.every((e) => idsA.has(e.jobId)),
      "A heard B's enqueues",
    );
  } finally {
    await b.errand.close({ grace: 0 });
    await a.errand.close({ grace: 0 });
  }
}

describe("tenant isolation", () => {
  it("two Redis key prefixes, one nested in the other, never see each other's jobs", async () => {
    const outer = testPrefix();
    const inner = `${outer}:b`;
    cleanups.push(async () => {
      const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      await deletePrefix(admin, outer);
      await deletePrefix(admin, `${outer}x`);
      admin.disconnect();
    });
    await checkIsolation(
      () => new RedisStore({ url: TEST_REDIS_URL, prefix: outer }),
      () => new RedisStore({ url: TEST_REDIS_URL, prefix: inner }),
    );
    // A prefix named like one of the other store's keys.
    await checkIsolation(
      () => new RedisStore({ url: TEST_REDIS_URL, prefix: `${outer}x` }),
      () => new RedisStore({ url: TEST_REDIS_URL, prefix: `${outer}x:events` }),
    );
  });

  it("two PostgreSQL schemas never see each other's jobs", async () => {
    const [first, second] = [testSchemaName(), testSchemaName()];
    cleanups.push(() => dropTestSchema(first, second));
    await checkIsolation(
      () => new PostgresStore({ connectionString: TEST_PG_URL, schema: first }),
      () => new PostgresStore({ connectionString: TEST_PG_URL, schema: second }),
    );
  });
});
