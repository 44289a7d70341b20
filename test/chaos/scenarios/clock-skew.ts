/*
 * Scenario 7: clock skew. A worker 5 minutes slow holds long jobs (its heartbeats
 * must not shorten its leases); a worker 5 minutes fast runs rescue often (it must not
 * see those leases as expired) and competes for delayed jobs (it must not start one
 * before it is due). An unskewed worker works beside them.
 */
import { setTimeout as delay } from "node:timers/promises";

import { TASK } from "../messages.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import { causesOf, ms, type ScenarioReport } from "./report.ts";

const SKEW_MS = 5 * 60_000;

export async function clockSkew(
  kind: StoreKind,
  o: { longJobs: number; delayedJobs: number; delayMs: number; timeoutMs: number },
): Promise<ScenarioReport> {
  const ctx = RunContext.open(kind);
  const began = Date.now();
  try {
    const leaseMs = 1000;
    await ctx.enqueue(TASK.job, o.longJobs, { maxStalls: 100 });
    const slow = await ctx.spawn(
      { concurrency: o.longJobs, leaseMs, workMs: 4 * leaseMs, rescueMs: 200 },
      -SKEW_MS,
    );
    await delay(300);
    await ctx.spawn({ concurrency: 8, leaseMs, workMs: 5, rescueMs: 200 }, SKEW_MS);
    await ctx.spawn({ concurrency: 8, leaseMs, workMs: 5, rescueMs: 200 });
    const enqueuedFrom = Date.now();
    const delayed = new Set(
      await ctx.enqueue(TASK.job, o.delayedJobs, {}, { from: 1_000_000, delayMs: o.delayMs }),
    );
    const counts = await ctx.drain(o.timeoutMs);
    await ctx.stopAll();
    const { result, entries } = await ctx.reckon();
    const early = entries.filter(
      (e) => e.e === "start" && delayed.has(e.id) && e.t < enqueuedFrom + o.delayMs,
    );
    const firstDelayedStart = Math.min(
      ...entries.filter((e) => e.e === "start" && delayed.has(e.id)).map((e) => e.t),
    );
    const slowStarts = entries.filter((e) => e.e === "start" && e.w === slow.tag).length;
    const failures: string[] = [];
    if (counts.waiting + counts.active + counts.scheduled > 0)
      failures.push(`not drained: ${JSON.stringify(counts)}`);
    if (early.length > 0) failures.push(`${early.length} delayed jobs started early`);
    if (result.extraRuns.length > 0)
      failures.push(`${result.extraRuns.length} runs lost their lease (stolen)`);
    if (result.lost.length > 0) failures.push(`${result.lost.length} lost`);
    if (result.dead.length > 0) failures.push(`${result.dead.length} dead`);
    return {
      scenario: "7 clock skew",
      store: kind,
      jobs: result.jobs,
      faults: `workers at -5 min and +5 min beside one at 0`,
      lost: result.lost.length,
      duplicates: result.completedMore,
      causes: causesOf(result),
      dead: result.dead.length,
      expectedDead: 0,
      recovery: `first delayed start ${ms(firstDelayedStart - enqueuedFrom)} after enqueue (delay ${o.delayMs} ms)`,
      seconds: (Date.now() - began) / 1000,
      failures,
      notes: [`slow worker ran ${slowStarts} starts, ${early.length} early starts`],
    };
  } finally {
    await ctx.close();
  }
}
