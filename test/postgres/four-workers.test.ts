/*
 * Four worker processes share one queue on PostgreSQL. Every handler start is written
 * to its process's ledger; a job may appear twice only if its lease was lost (the job
 * then shows a stall), never because two claims took it at once.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import { withProcessTarget } from "../e2e/fixtures/process-target.ts";
import { WorkerProcess } from "../e2e/fixtures/worker-process.ts";
import { postgresHarness } from "../harness/postgres-harness.ts";

const JOBS = 2_000;
const PROCESSES = 4;

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

const harness = postgresHarness();

describe("several worker processes on PostgreSQL", () => {
  it(
    `${PROCESSES} processes on one queue never run a job twice without a lease loss`,
    { timeout: 90_000 },
    (t) =>
      withProcessTarget(harness, t, async ({ url, dir, errand, children }) => {
        const task = errand.task<{ n: number }>({ name: "crash.job", queue: "crash" });
        await task.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ data: { n } })));
        const starts = Array.from({ length: PROCESSES }, (_, i) => join(dir, `starts-${i}.log`));
        for (const [i, ledger] of starts.entries())
          children.push(new WorkerProcess(url, ledger, join(dir, `done-${i}.log`)));
        await Promise.all(children.map((c) => c.next("ready")));
        const deadline = Date.now() + 60_000;
        while ((await errand.queues.counts("crash")).completed < JOBS && Date.now() < deadline)
          await delay(50);
        await Promise.all(children.map((c) => c.stop()));

        const counts = await errand.queues.counts("crash");
        assert.equal(
          counts.completed,
          JOBS,
          `completed ${counts.completed}: ${JSON.stringify(counts)}`,
        );
        const perProcess = starts.map((file) => lines(file));
        const seen = new Map<string, number>();
        for (const id of perProcess.flat()) seen.set(id, (seen.get(id) ?? 0) + 1);
        const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
        const unexplained: string[] = [];
        for (const id of twice) {
          const info = await errand.jobs.get(id);
          if (!info || info.stalls === 0) unexplained.push(id);
        }
        console.log(
          `four workers (postgres): ${JOBS} jobs, starts per process ${JSON.stringify(perProcess.map((p) => p.length))}, ${twice.length} ran twice (all after a lost lease: ${unexplained.length === 0})`,
        );
        assert.equal(seen.size, JOBS, "some job never started");
        assert.deepEqual(unexplained, [], "jobs ran twice without losing their lease");
        assert.ok(
          perProcess.filter((p) => p.length > 0).length >= 3,
          "the work was not shared between the processes",
        );
      }),
  );
});
