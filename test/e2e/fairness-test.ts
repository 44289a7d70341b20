/*
 * Fairness with figures: three groups with 10,000, 100 and 10 jobs, enqueued biggest
 * first, worked by one worker of concurrency 4. Without fair rotation the small groups
 * would wait behind 10,000 jobs; with it they finish within the first few hundred
 * claims. Prints the claim position at which each group finished.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Errand } from "../../src/errand.ts";
import type { StoreHarness } from "../harness/store-harness.ts";

const GROUPS: [group: string, jobs: number][] = [
  ["a", 10_000],
  ["b", 100],
  ["c", 10],
];
const TOTAL = GROUPS.reduce((sum, [, n]) => sum + n, 0);

async function enqueueAll(errand: Errand): Promise<void> {
  const task = errand.task<{ g: string }>({ name: "fair.job", queue: "fair" });
  for (const [group, n] of GROUPS) {
    for (let done = 0; done < n; done += 1_000) {
      const size = Math.min(1_000, n - done);
      await task.enqueueMany(
        Array.from({ length: size }, () => ({ data: { g: group }, options: { group } })),
      );
    }
  }
}

/** Runs every job with one worker; resolves with the groups in the order their jobs started. */
async function runAll(errand: Errand): Promise<string[]> {
  const order: string[] = [];
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  errand.task<{ g: string }>({
    name: "fair.job",
    queue: "fair",
    handler: (data) => {
      order.push(data.g);
    },
  });
  let completed = 0;
  errand.on("completed", () => {
    if (++completed === TOTAL) finished();
  });
  const worker = errand.work({ concurrency: 4 });
  await allDone;
  await worker.close();
  return order;
}

async function runFairness(storeName: string, harness: StoreHarness): Promise<void> {
  const target = await harness.prepare();
  const producer = new Errand({ store: target.open(), logger: false });
  const consumer = new Errand({ store: target.open(), logger: false, keepCompleted: 0 });
  try {
    await enqueueAll(producer);
    const started = Date.now();
    const order = await runAll(consumer);
    const seconds = (Date.now() - started) / 1000;
    const finishedAt = GROUPS.map(([group, n]) => ({
      group,
      n,
      at: order.lastIndexOf(group) + 1,
    }));
    console.log(
      `fairness (${storeName}): ${TOTAL} jobs, one worker of concurrency 4, ${seconds.toFixed(1)} s; ` +
        finishedAt
          .map((f) => `group ${f.group} (${f.n} jobs) finished at claim ${f.at}`)
          .join(", "),
    );
    assert.equal(order.length, TOTAL);
    const [, b, c] = finishedAt;
    // Three groups in turn: c's 10 jobs take ~30 claims; then b shares with a, ~2 claims each.
    assert.ok(c && c.at <= 40, `group c finished at claim ${c?.at}`);
    assert.ok(b && b.at <= 250, `group b finished at claim ${b?.at}`);
  } finally {
    await consumer.close();
    await producer.close();
    await target.cleanup();
  }
}

/** Registers the fairness figures test for one kind of store. */
export function fairnessTest(harness: StoreHarness): void {
  describe(`fairness figures (${harness.name})`, () => {
    it(
      "groups of 10,000, 100 and 10 jobs: the small ones finish in the first few hundred claims",
      {
        timeout: 300_000,
      },
      () => runFairness(harness.name, harness),
    );
  });
}
