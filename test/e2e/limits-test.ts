/*
 * Limits across processes: four worker processes run one task declared with
 * `concurrency: 3` and `rateLimit: { max: 50, per: "1s" }`. Nothing coordinates them but
 * the store's claim, so the figures below hold only if the store keeps the limits
 * atomically across every process. Runs in real time.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import type { Errand } from "../../src/errand.ts";
import type { StoreHarness } from "../harness/store-harness.ts";
import { LIMITS_TASK } from "./fixtures/flow-messages.ts";
import { FlowProcess, withFlowProcesses } from "./fixtures/flow-process.ts";
import { withProcessTarget } from "./fixtures/process-target.ts";

const JOBS = 160;
const PROCESSES = 4;

interface Run {
  start: number;
  end: number;
}

function readRuns(ledgers: string[]): Run[] {
  return ledgers.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [start, end] = line.split(" ").map(Number);
        return { start: start as number, end: end as number };
      }),
  );
}

/** The most handlers running at one instant; a handler ending at t is gone before one starting at t. */
function mostInFlight(runs: Run[]): number {
  const edges = runs.flatMap((r) => [
    { at: r.start, delta: 1 },
    { at: r.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.delta));
  return most;
}

/** The most starts in any window (t - 1 s, t], over the store's start times. */
function busiestSecond(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[from] as number) <= (sorted[i] as number) - 1_000) from += 1;
    most = Math.max(most, i - from + 1);
  }
  return most;
}

async function storeStarts(errand: Errand): Promise<number[]> {
  const starts: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await errand.jobs.list({
      queue: LIMITS_TASK.queue,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const job of page.jobs) if (job.startedAt) starts.push(job.startedAt.getTime());
    cursor = page.cursor;
  } while (cursor);
  return starts;
}

async function waitForCompleted(errand: Errand, children: FlowProcess[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const counts = await errand.queues.counts(LIMITS_TASK.queue);
    if (counts.completed === JOBS) return;
    assert.equal(counts.dead, 0, `a job went dead: ${JSON.stringify(counts)}`);
    if (Date.now() > deadline)
      assert.fail(
        `timed out at ${JSON.stringify(counts)}: ${children.map((c) => c.errors).join("")}`,
      );
    await delay(100);
  }
}

async function runLimits(
  storeName: string,
  url: string,
  dir: string,
  errand: Errand,
): Promise<void> {
  const task = errand.task({ name: LIMITS_TASK.name, queue: LIMITS_TASK.queue });
  await task.enqueueMany(Array.from({ length: JOBS }, () => ({ data: null })));
  const ledgers = Array.from({ length: PROCESSES }, (_, i) => join(dir, `runs-${i}.log`));
  await withFlowProcesses(
    PROCESSES,
    (i) => new FlowProcess("limits", url, ledgers[i] as string),
    async (children) => {
      await waitForCompleted(errand, children);
      for (const child of children) assert.deepEqual(await child.stop(), { code: 0, signal: null });
    },
  );
  const runs = readRuns(ledgers.filter((file) => existsSync(file)));
  const perProcess = ledgers.map((file) => (existsSync(file) ? readRuns([file]).length : 0));
  const starts = await storeStarts(errand);
  const most = mostInFlight(runs);
  const busiest = busiestSecond(starts);
  const spanMs = Math.max(...starts) - Math.min(...starts);
  console.log(
    `limits (${storeName}): ${JOBS} jobs over ${PROCESSES} processes ${JSON.stringify(perProcess)}, ` +
      `concurrency 3 and 50 per 1s: at most ${most} in flight, busiest second started ${busiest}, ` +
      `starts spread over ${spanMs} ms`,
  );
  assert.equal(runs.length, JOBS, "every job ran exactly once");
  assert.equal(most, LIMITS_TASK.concurrency);
  assert.ok(busiest <= LIMITS_TASK.rateLimit.max, `${busiest} starts within one second`);
  assert.ok(spanMs >= 3_000, `${JOBS} starts at 50 a second need more than 3 s, took ${spanMs} ms`);
  assert.ok(perProcess.filter((n) => n > 0).length >= 2, "the work was not shared");
}

/** Registers the four-process limits test for one kind of store. */
export function limitsTest(harness: StoreHarness): void {
  describe(`limits across processes (${harness.name})`, () => {
    it(
      `${PROCESSES} processes keep concurrency 3 and 50 starts a second together`,
      { timeout: 60_000 },
      (t) =>
        withProcessTarget(harness, t, ({ url, dir, errand }) =>
          runLimits(harness.name, url, dir, errand),
        ),
    );
  });
}
