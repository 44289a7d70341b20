/*
 * Scenario 1: worker processes SIGKILLed at random and restarted while they work a
 * backlog. Kills alone must not kill jobs, so maxStalls is set above any count of kills
 * one job could meet; every extra run must trace to a killed worker's lease.
 */
import { setTimeout as delay } from "node:timers/promises";

import { quantile, recoveryTimes } from "../classify.ts";
import { TASK } from "../messages.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import { causesOf, ms, type ScenarioReport } from "./report.ts";

export interface WorkerCrashOptions {
  jobs: number;
  processes: number;
  concurrency: number;
  /** A kill every uniform(min, max) ms. */
  killEveryMs: [number, number];
  leaseMs: number;
  /** Handler time per job, ms: long enough that kills find handlers running. */
  workMs: number;
  timeoutMs: number;
}

export async function workerCrashes(
  kind: StoreKind,
  o: WorkerCrashOptions,
): Promise<ScenarioReport> {
  const ctx = RunContext.open(kind);
  const began = Date.now();
  try {
    await ctx.enqueue(TASK.job, o.jobs, { maxStalls: 1000 });
    const config = { concurrency: o.concurrency, leaseMs: o.leaseMs, workMs: o.workMs };
    const live = await Promise.all(Array.from({ length: o.processes }, () => ctx.spawn(config)));
    let kills = 0;
    const counts = await ctx.drain(o.timeoutMs, async () => {
      const [min, max] = o.killEveryMs;
      await delay(min + Math.random() * (max - min));
      const i = Math.floor(Math.random() * live.length);
      await live[i]?.kill();
      kills++;
      live[i] = await ctx.spawn(config);
    });
    await ctx.stopAll();
    const { result, entries } = await ctx.reckon();
    const recovery = recoveryTimes(entries);
    const p99 = quantile(recovery, 0.99);
    const failures: string[] = [];
    if (counts.waiting + counts.active + counts.scheduled > 0)
      failures.push(`not drained in time: ${JSON.stringify(counts)}`);
    if (result.lost.length > 0) failures.push(`${result.lost.length} lost`);
    if (result.dead.length > 0) failures.push(`${result.dead.length} dead`);
    if (result.causes.untraced > 0) failures.push(`${result.causes.untraced} untraced duplicates`);
    if (result.overwrites.length > 0) failures.push(`${result.overwrites.length} overwrites`);
    // The bound is lease + 2 s; asserted with double slack on a shared machine.
    if (p99 !== null && p99 > 2 * (o.leaseMs + 2000))
      failures.push(`rerun p99 ${ms(p99)} > 2 x (lease + 2 s)`);
    return {
      scenario: "1 worker crashes",
      store: kind,
      jobs: result.jobs,
      faults: `${kills} SIGKILLs (${o.processes} procs x ${o.concurrency})`,
      lost: result.lost.length,
      duplicates: result.completedMore,
      causes: causesOf(result),
      dead: result.dead.length,
      expectedDead: 0,
      recovery: `kill->rerun p50 ${ms(quantile(recovery, 0.5))}, p99 ${ms(p99)}, max ${ms(quantile(recovery, 1))} (lease ${o.leaseMs} ms; ${recovery.length} jobs)`,
      seconds: (Date.now() - began) / 1000,
      failures,
      notes: p99 !== null && p99 > o.leaseMs + 2000 ? [`p99 rerun ${ms(p99)} > lease + 2 s`] : [],
    };
  } finally {
    await ctx.close();
  }
}
