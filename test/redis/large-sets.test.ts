/*
 * Store calls that walk a queue in chunks (listing with a filter that matches little,
 * re-driving a large dead-letter queue) give the same answers as on small data.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import type { JobRecord, RawJob } from "../../src/stores/contract.ts";
import { type RedisStore } from "../../src/stores/redis/redis-store.ts";
import { redisHarness } from "../harness/redis-harness.ts";
import type { StoreTarget } from "../harness/store-harness.ts";

describe("Redis store on large sets", () => {
  let target: StoreTarget;
  let store: RedisStore;

  beforeEach(async () => {
    target = await redisHarness().prepare();
    store = target.open() as RedisStore;
  });

  afterEach(async () => {
    await store.close();
    await target.cleanup();
  });

  async function seed(count: number, job: (i: number) => RawJob): Promise<string[]> {
    const ids: string[] = [];
    for (let from = 0; from < count; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - from) }, (_, i) => job(from + i));
      ids.push(...(await store.insertRaw(batch)));
    }
    return ids;
  }

  it("paging with a rare filter over two queues finds every match once, newest first", async () => {
    const rare = await seed(3, (i) => ({
      name: "rare",
      queue: i === 1 ? "b" : "a",
      state: "dead",
    }));
    // More non-matching jobs per queue than one list call examines (5,000).
    await seed(12_000, (i) => ({ name: "common", queue: i % 2 ? "a" : "b", state: "dead" }));
    const rareLater = await seed(1, () => ({ name: "rare", queue: "a", state: "dead" }));
    const found: JobRecord[] = [];
    let cursor: string | undefined;
    let shortPages = 0;
    for (let page = 0; page < 50; page++) {
      const result = await store.list({
        name: "rare",
        state: "dead",
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      assert.ok(result.jobs.length <= 2);
      found.push(...result.jobs);
      if (result.cursor === null) break;
      if (result.jobs.length < 2) shortPages += 1;
      cursor = result.cursor;
    }
    assert.ok(shortPages > 0, "no page stopped at the scan budget: the test missed its point");
    // Newest first: by job number, high to low (one batch's queues are written concurrently).
    const expected = [...rare, ...rareLater].sort(
      (x, y) => Number(y.split(":")[0]) - Number(x.split(":")[0]),
    );
    assert.deepEqual(
      found.map((j) => j.id),
      expected,
    );
  });

  it("retryAll re-drives a dead-letter queue larger than one chunk, skipping other tasks", async () => {
    const dead = await seed(1_200, (i) => ({
      name: i % 3 ? "send" : "other",
      queue: "q",
      state: "dead",
    }));
    const moved = await store.retry({ filter: { queue: "q", state: "dead", name: "send" } });
    assert.equal(moved.length, 800);
    assert.deepEqual(new Set(moved), new Set(dead.filter((_, i) => i % 3)));
    const counts = await store.counts({ queue: "q" });
    assert.equal(counts.waiting, 800);
    assert.equal(counts.dead, 400);
  });
});
