/*
 * Several worker processes on one store at once, no faults: every job runs exactly
 * once. This is what makes sharing one SQLite file between processes (or one PostgreSQL
 * or Redis between machines) safe: claims never hand a job to two workers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import type { StoreHarness } from "../harness/store-harness.ts";
import { type ProcessTarget, withProcessTarget } from "./fixtures/process-target.ts";
import { WorkerProcess } from "./fixtures/worker-process.ts";

const JOBS = 1_500;

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function runAll(
  storeName: string,
  processes: number,
  { url, dir, errand, children }: ProcessTarget,
): Promise<void> {
  const task = errand.task<{ n: number }>({ name: "crash.job", queue: "crash" });
  await task.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ data: { n } })));
  const starts = join(dir, "starts.log");
  for (let i = 0; i < processes; i++)
    children.push(new WorkerProcess(url, starts, join(dir, `done-${i}.log`)));
  await Promise.all(children.map((c) => c.next("ready")));
  const deadline = Date.now() + 45_000;
  while ((await errand.queues.counts("crash")).completed < JOBS && Date.now() < deadline)
    await delay(50);
  await Promise.all(children.map((c) => c.stop()));

  const counts = await errand.queues.counts("crash");
  assert.equal(
    counts.completed,
    JOBS,
    `completed ${counts.completed} of ${JOBS}: ${JSON.stringify(counts)}`,
  );
  const started = lines(starts);
  const twice = started.length - new Set(started).size;
  const perProcess = children.map((_, i) => lines(join(dir, `done-${i}.log`)).length);
  console.log(
    `multi-process (${storeName}): ${JOBS} jobs over ${processes} processes ${JSON.stringify(perProcess)}, ${started.length} starts, ${twice} ran twice`,
  );
  assert.equal(twice, 0, "a job ran twice with no fault injected");
  assert.equal(new Set(started).size, JOBS);
  assert.ok(
    perProcess.filter((n) => n > 0).length >= 2,
    "the work was not shared between processes",
  );
}

/** Registers the multi-process test for one kind of store, with three worker processes unless told otherwise. */
export function multiProcessTest(harness: StoreHarness, processes = 3): void {
  describe(`several worker processes (${harness.name})`, () => {
    it(
      `${processes} processes working one queue run each of ${JOBS} jobs exactly once`,
      { timeout: 60_000 },
      (t) => withProcessTarget(harness, t, (target) => runAll(harness.name, processes, target)),
    );
  });
}
