/*
 * The crash test: a worker process is SIGKILLed while it runs jobs, and another worker
 * on the same store must finish every job. Nothing may be lost, nothing may die, and the
 * only jobs allowed to run twice are those the killed worker had in flight. Written once
 * against a StoreHarness so every store that can be opened from a URL runs it.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import { type Errand } from "../../src/errand.ts";
import type { QueueCounts } from "../../src/job.ts";
import type { StoreHarness } from "../harness/store-harness.ts";
import { withProcessTarget } from "./fixtures/process-target.ts";
import { WorkerProcess } from "./fixtures/worker-process.ts";

const JOBS = 1_000;
/** The first worker is killed once its ledger shows this many starts. */
const KILL_AFTER_STARTS = 200;
const QUEUE = "crash";

/** Registers the crash test for one kind of store. */
export function crashTest(harness: StoreHarness): void {
  describe(`crash test (${harness.name})`, () => {
    it(
      "a worker killed mid-run loses no job, and only the jobs it had in flight run twice",
      { timeout: 60_000 },
      async (t) => {
        await withProcessTarget(harness, t, ({ url, dir, errand, children }) =>
          runCrashTest(harness.name, url, dir, errand, children),
        );
      },
    );
  });
}

interface Ledgers {
  starts1: string;
  completed1: string;
  starts2: string;
  completed2: string;
}

async function runCrashTest(
  storeName: string,
  url: string,
  dir: string,
  errand: Errand,
  children: WorkerProcess[],
): Promise<void> {
  const ledgers: Ledgers = {
    starts1: join(dir, "starts-1.log"),
    completed1: join(dir, "completed-1.log"),
    starts2: join(dir, "starts-2.log"),
    completed2: join(dir, "completed-2.log"),
  };
  const ids = await enqueueJobs(errand);

  const first = new WorkerProcess(url, ledgers.starts1, ledgers.completed1);
  children.push(first);
  const inFlightAtKill = await killMidRun(first, ledgers.starts1);
  const afterKill = await errand.queues.counts(QUEUE);
  assert.ok(
    afterKill.active > 0,
    `the killed worker should have left leased jobs behind: ${JSON.stringify(afterKill)}`,
  );
  assert.ok(afterKill.completed < JOBS, "the first worker was killed before it finished");

  const second = new WorkerProcess(url, ledgers.starts2, ledgers.completed2);
  children.push(second);
  await second.next("ready");
  const counts = await waitForAllCompleted(errand, second);
  const exit = await second.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `the second worker: ${second.errors}`);
  assert.deepEqual(counts, {
    scheduled: 0,
    waiting: 0,
    active: 0,
    completed: JOBS,
    dead: 0,
    cancelled: 0,
  });

  const report = await checkLedgers(errand, ids, ledgers);
  console.log(
    `crash test (${storeName}): ${JOBS} jobs, ${counts.completed} completed, ` +
      `${report.lost} lost, ${report.ranTwice} ran twice (killed mid-run; ` +
      `${inFlightAtKill} handlers in flight, ${report.unfinished} started without a committed finish)`,
  );
}

async function enqueueJobs(errand: Errand): Promise<Set<string>> {
  // Declared without a handler: this process only produces.
  const task = errand.task<{ n: number }>({ name: "crash.job", queue: QUEUE });
  const jobs = await task.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ data: { n } })));
  return new Set(jobs.map((job) => job.id));
}

/**
 * Waits until the worker has started enough jobs, then kills it at a moment when it
 * reports handlers running. Returns how many it reported.
 */
async function killMidRun(child: WorkerProcess, startsLedger: string): Promise<number> {
  await child.next("ready");
  await waitFor(
    () => readLedger(startsLedger).length >= KILL_AFTER_STARTS,
    15_000,
    () => `${KILL_AFTER_STARTS} job starts`,
    child,
  );
  for (;;) {
    const inFlight = await child.inFlight();
    if (inFlight > 0) {
      const exit = await child.kill();
      assert.equal(exit.signal, "SIGKILL", `the first worker exited on its own: ${child.errors}`);
      return inFlight;
    }
    assert.ok(
      readLedger(startsLedger).length < JOBS,
      "the first worker ran every job before it could be killed mid-run",
    );
  }
}

/** Polls the counts until every job is completed; fails at once if a job goes dead. */
async function waitForAllCompleted(errand: Errand, child: WorkerProcess): Promise<QueueCounts> {
  let counts = await errand.queues.counts(QUEUE);
  await waitFor(
    async () => {
      counts = await errand.queues.counts(QUEUE);
      assert.equal(counts.dead, 0, `a job went dead: ${JSON.stringify(counts)}`);
      return counts.completed === JOBS;
    },
    20_000,
    () => `all ${JOBS} jobs completed (last counts ${JSON.stringify(counts)})`,
    child,
  );
  return counts;
}

interface LedgerReport {
  lost: number;
  ranTwice: number;
  unfinished: number;
}

/**
 * Reads both workers' ledgers and checks: every job started, none started more than
 * twice, and every job that ran twice was one the first worker had started without a
 * committed completion. The store's own record must agree: a job restarted after the
 * kill counts two starts and one stall.
 */
async function checkLedgers(
  errand: Errand,
  ids: Set<string>,
  ledgers: Ledgers,
): Promise<LedgerReport> {
  const starts1 = readLedger(ledgers.starts1);
  const starts2 = readLedger(ledgers.starts2);
  const completed1 = new Set(readLedger(ledgers.completed1));
  const runs = tally([...starts1, ...starts2]);
  const unknown = [...runs.keys()].filter((id) => !ids.has(id));
  assert.deepEqual(unknown, [], "the ledgers name jobs that were never enqueued");
  const lost = [...ids].filter((id) => !runs.has(id));
  assert.deepEqual(lost, [], "jobs that never started");

  const unfinished = new Set(starts1.filter((id) => !completed1.has(id)));
  const twice = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = twice.filter((id) => !unfinished.has(id) || runs.get(id) !== 2);
  assert.deepEqual(unexpected, [], "jobs ran twice that the killed worker had not left unfinished");
  await checkStoreAgrees(errand, unfinished, new Set(starts2));
  return { lost: lost.length, ranTwice: twice.length, unfinished: unfinished.size };
}

/**
 * A job the first worker started but did not finish either ran again in the second
 * worker (then the store counts its restart and stall), or its completion was committed
 * just before the kill and only its ledger line was lost (then it started once).
 */
async function checkStoreAgrees(
  errand: Errand,
  unfinished: Set<string>,
  startedBySecond: Set<string>,
): Promise<void> {
  for (const id of unfinished) {
    const info = await errand.jobs.get(id);
    assert.ok(info, `job ${id} disappeared`);
    const seen = { attempt: info.attempt, stalls: info.stalls, state: info.state };
    if (startedBySecond.has(id)) {
      assert.deepEqual(seen, { attempt: 2, stalls: 1, state: "completed" }, `restarted job ${id}`);
    } else {
      assert.deepEqual(seen, { attempt: 1, stalls: 0, state: "completed" }, `job ${id}`);
    }
  }
}

function readLedger(path: string): string[] {
  if (!existsSync(path)) return [];
  // A kill can cut the last line short; only whole lines count.
  const text = readFileSync(path, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter(Boolean);
}

function tally(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Polls `condition` until it holds; fails after `timeoutMs`, or as soon as the child exits. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  child: WorkerProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const state = { exit: "" };
  void child.exited.then((exit) => (state.exit = JSON.stringify(exit)));
  while (!(await condition())) {
    if (state.exit)
      assert.fail(`the worker exited ${state.exit} before ${what()}: ${child.errors}`);
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}: ${child.errors}`);
    await delay(20);
  }
}
