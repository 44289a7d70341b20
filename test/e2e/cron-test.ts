/*
 * Cron across processes: two worker processes both fire a schedule that ticks every
 * second. Each occurrence must be enqueued exactly once: the schedule's compare-and-set in
 * the store decides, not a leader. Runs in real time for several occurrences.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import type { Errand } from "../../src/errand.ts";
import type { JobInfo } from "../../src/job.ts";
import type { StoreHarness } from "../harness/store-harness.ts";
import { CRON_TASK } from "./fixtures/flow-messages.ts";
import { FlowProcess, withFlowProcesses } from "./fixtures/flow-process.ts";
import { withProcessTarget } from "./fixtures/process-target.ts";

const OCCURRENCES = 5;

async function tickJobs(errand: Errand): Promise<JobInfo[]> {
  return (await errand.jobs.list({ task: CRON_TASK.name, limit: 1000 })).jobs;
}

async function nextRunAt(errand: Errand): Promise<number> {
  const [schedule] = await errand.schedules.list();
  assert.ok(schedule?.nextRunAt, "the schedule is gone");
  return schedule.nextRunAt.getTime();
}

async function runCron(storeName: string, url: string, dir: string, errand: Errand): Promise<void> {
  const ledgers = [0, 1].map((i) => join(dir, `ticks-${i}.log`));
  errand.task({ ...CRON_TASK });
  await withFlowProcesses(
    2,
    (i) => new FlowProcess("cron", url, ledgers[i] as string),
    async (children) => {
      await errand.schedule("tick", { cron: "* * * * * *", task: CRON_TASK.name });
      const first = await nextRunAt(errand);
      const deadline = Date.now() + 20_000;
      while ((await tickJobs(errand)).length < OCCURRENCES) {
        if (Date.now() > deadline)
          assert.fail(`too few ticks: ${children.map((c) => c.errors).join("")}`);
        await delay(100);
      }
      for (const child of children) assert.deepEqual(await child.stop(), { code: 0, signal: null });
      const fired = (await nextRunAt(errand)) - first;
      const jobs = await tickJobs(errand);
      const ran = ledgers.flatMap((f) =>
        existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [],
      );
      console.log(
        `cron (${storeName}): two worker processes, a schedule every second: ` +
          `${fired / 1000} occurrences passed, ${jobs.length} jobs enqueued, ${ran.length} runs, ` +
          `${new Set(ran).size} distinct`,
      );
      assert.equal(jobs.length, fired / 1000, "one job per occurrence, no more, no fewer");
      assert.equal(new Set(ran).size, ran.length, "no job ran twice");
    },
  );
}

/** Registers the two-process cron test for one kind of store. */
export function cronTest(harness: StoreHarness): void {
  describe(`cron across processes (${harness.name})`, () => {
    it(
      `two worker processes enqueue each of ${OCCURRENCES}+ occurrences exactly once`,
      { timeout: 60_000 },
      (t) =>
        withProcessTarget(harness, t, ({ url, dir, errand }) =>
          runCron(harness.name, url, dir, errand),
        ),
    );
  });
}
