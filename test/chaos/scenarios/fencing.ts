/*
 * Scenario 4: lease fencing. A worker frozen (SIGSTOP) past its lease while another
 * worker rescues and completes its jobs, then thawed: each of its settles must be
 * refused and change nothing. And the rescue race: settles and a rescue racing on jobs
 * whose lease is just expiring; a job is either completed by its settle or rescued,
 * never both, and a completed job is never reverted.
 */
import { setTimeout as delay } from "node:timers/promises";

import Database from "better-sqlite3";

import type { Store } from "../../../src/stores/contract.ts";
import { openStore } from "../../../src/stores/url.ts";
import { CHAOS_QUEUE, TASK } from "../messages.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import type { ChaosWorker } from "../worker-pool.ts";
import { type ScenarioReport } from "./report.ts";

export interface FencingOptions {
  /** Jobs the frozen worker holds per round. */
  jobs: number;
  rounds: number;
  /** Jobs in the rescue race per round. */
  raceJobs: number;
  raceRounds: number;
}

const LEASE_MS = 1000;

async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/**
 * Freezes the worker. On SQLite a process frozen inside a write transaction keeps the
 * file's write lock and stalls every other process (that is SQLite's locking, and no
 * lease can help); the test is about fencing, so it freezes again until the lock is free.
 */
async function freezeOutsideWrite(ctx: RunContext, worker: ChaosWorker): Promise<void> {
  for (let i = 0; ; i++) {
    worker.freeze();
    if (!ctx.path) return;
    const db = new Database(ctx.path, { timeout: 200 });
    try {
      db.exec("BEGIN IMMEDIATE");
      db.exec("COMMIT");
      return;
    } catch (error) {
      if (i > 50) throw error;
      ctx.sqliteFreezeRetries++;
    } finally {
      db.close();
    }
    worker.thaw();
    await delay(20 + Math.random() * 50);
  }
}

/** One freeze round; returns [settles refused, settles that applied, jobs changed after B]. */
async function freezeRound(ctx: RunContext, n: number, round: number): Promise<number[]> {
  const ids = await ctx.enqueue(TASK.job, n, { maxStalls: 100 }, { from: round * n });
  const a = await ctx.spawn({ concurrency: n, leaseMs: LEASE_MS, workMs: 4 * LEASE_MS });
  const startsOf = (tag: string) =>
    ctx.entries().filter((e) => e.e === "start" && e.w === tag && ids.includes(e.id)).length;
  await waitFor("the first worker to start its jobs", 15_000, () => startsOf(a.tag) === n);
  await freezeOutsideWrite(ctx, a);
  await delay(LEASE_MS + 200);
  const b = await ctx.spawn({ concurrency: n, leaseMs: LEASE_MS, workMs: 5, rescueMs: 200 });
  await ctx.drain(20_000);
  await b.stop();
  const before = await Promise.all(ids.map((id) => ctx.errand.jobs.get(id)));
  a.thaw();
  const settlesOf = () =>
    ctx.entries().filter((e) => e.e === "settle" && e.w === a.tag && ids.includes(e.id));
  await waitFor(
    "the thawed worker to settle",
    4 * LEASE_MS + 10_000,
    () => settlesOf().length >= n,
  );
  await a.stop();
  const after = await Promise.all(ids.map((id) => ctx.errand.jobs.get(id)));
  const settles = settlesOf();
  const snapshot = (j: (typeof before)[number] | undefined) =>
    JSON.stringify([j?.state, j?.attempt, j?.finishedAt, j?.result, j?.stalls]);
  const changed = ids.filter((_, i) => snapshot(before[i]) !== snapshot(after[i])).length;
  const notCompleted = after.filter((j) => j?.state !== "completed").length;
  return [
    settles.filter((e) => e.e === "settle" && !e.ok).length,
    settles.filter((e) => e.e === "settle" && e.ok).length,
    changed + notCompleted,
  ];
}

/** One rescue race round; returns the number of violations. */
async function raceRound(
  ctx: RunContext,
  settler: Store,
  rescuer: Store,
  n: number,
  round: number,
) {
  await ctx.enqueue(TASK.job, n, {}, { from: round * n });
  const leaseMs = 40;
  const { jobs } = await settler.claim({
    queues: [CHAOS_QUEUE],
    limit: n,
    leaseMs,
    workerId: "race",
  });
  await delay(leaseMs - 5 + Math.random() * 15);
  const settle = () =>
    settler.settle({
      outcomes: jobs.map(
        (j) =>
          ({ kind: "complete", id: j.id, token: j.token, result: "null", remove: false }) as const,
      ),
    });
  const rescue = () => rescuer.rescue({ limit: n });
  // Which call is sent first alternates; on SQLite (one writer at a time) that decides the
  // order. A Redis rescue makes round trips before its script, so there the settle of a
  // rescue-first round is held back a few milliseconds for both orders to occur.
  const lag = () => delay(Math.random() * 8).then(settle);
  const [applied, rescued] =
    round % 2 === 0
      ? await Promise.all([settle(), rescue()])
      : await Promise.all([rescue(), lag()]).then(([r, a]) => [a, r] as const);
  const rescuedIds = new Set(rescued.map((r) => r.id));
  let violations = 0;
  const states = await Promise.all(jobs.map((j) => ctx.errand.jobs.get(j.id)));
  jobs.forEach((j, i) => {
    const settled = applied[i] === true;
    const state = states[i]?.state;
    if (settled === rescuedIds.has(j.id)) violations++;
    else if (settled && state !== "completed") violations++;
    else if (!settled && state !== "waiting") violations++;
  });
  return { violations, rescued: rescuedIds.size, settled: applied.filter(Boolean).length };
}

export async function fencing(kind: StoreKind, o: FencingOptions): Promise<ScenarioReport> {
  const began = Date.now();
  const failures: string[] = [];
  let refused = 0;
  let appliedLate = 0;
  let changed = 0;
  const ctx = RunContext.open(kind);
  try {
    for (let r = 0; r < o.rounds; r++) {
      const [no, yes, diff] = await freezeRound(ctx, o.jobs, r);
      refused += no ?? 0;
      appliedLate += yes ?? 0;
      changed += diff ?? 0;
    }
  } finally {
    await ctx.close();
  }
  if (appliedLate > 0) failures.push(`${appliedLate} settles of the thawed worker applied`);
  if (changed > 0) failures.push(`${changed} jobs changed by the thawed worker`);
  if (refused !== o.jobs * o.rounds)
    failures.push(`${refused} of ${o.jobs * o.rounds} settles refused`);

  const race = RunContext.open(kind);
  let violations = 0;
  let rescued = 0;
  let settled = 0;
  const settler = await openStore(race.url);
  const rescuer = await openStore(race.url);
  try {
    for (let r = 0; r < o.raceRounds; r++) {
      const round = await raceRound(race, settler, rescuer, o.raceJobs, r);
      violations += round.violations;
      rescued += round.rescued;
      settled += round.settled;
      // Jobs rescued this round are claimed and completed so the next round starts clean.
      const left = await settler.claim({
        queues: [CHAOS_QUEUE],
        limit: o.raceJobs,
        leaseMs: 60_000,
        workerId: "race",
      });
      await settler.settle({
        outcomes: left.jobs.map(
          (j) =>
            ({
              kind: "complete",
              id: j.id,
              token: j.token,
              result: "null",
              remove: false,
            }) as const,
        ),
      });
    }
  } finally {
    await settler.close();
    await rescuer.close();
    await race.close();
  }
  if (violations > 0) failures.push(`${violations} rescue-race violations`);
  return {
    scenario: "4 lease fencing",
    store: kind,
    jobs: o.jobs * o.rounds + o.raceJobs * o.raceRounds,
    faults: `${o.rounds} SIGSTOP/SIGCONT rounds x ${o.jobs} jobs; ${o.raceRounds} rescue races x ${o.raceJobs}`,
    lost: 0,
    duplicates: 0,
    causes: {},
    dead: 0,
    expectedDead: 0,
    recovery: "-",
    seconds: (Date.now() - began) / 1000,
    failures,
    notes: [
      `thawed settles refused ${refused}, applied ${appliedLate}, jobs changed ${changed}`,
      ...(kind === "sqlite"
        ? [`froze again ${ctx.sqliteFreezeRetries} times (worker held the write lock)`]
        : []),
      `race: ${settled} settled first, ${rescued} rescued first, ${violations} violations`,
    ],
  };
}
