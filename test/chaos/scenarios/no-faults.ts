/* Scenario 2: several worker processes, no fault at all: no job may run twice. */
import { TASK } from "../messages.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import { causesOf, type ScenarioReport } from "./report.ts";

export async function noFaults(
  kind: StoreKind,
  o: { jobs: number; processes: number; concurrency: number; timeoutMs: number },
): Promise<ScenarioReport> {
  const ctx = RunContext.open(kind);
  const began = Date.now();
  try {
    await ctx.enqueue(TASK.job, o.jobs);
    for (let i = 0; i < o.processes; i++)
      await ctx.spawn({ concurrency: o.concurrency, leaseMs: 30_000, workMs: 1 });
    const counts = await ctx.drain(o.timeoutMs);
    await ctx.stopAll();
    const { result } = await ctx.reckon();
    const failures: string[] = [];
    if (counts.waiting + counts.active + counts.scheduled > 0)
      failures.push(`not drained in time: ${JSON.stringify(counts)}`);
    if (result.lost.length > 0) failures.push(`${result.lost.length} lost`);
    if (result.dead.length > 0) failures.push(`${result.dead.length} dead`);
    if (result.extraRuns.length > 0) failures.push(`${result.extraRuns.length} jobs ran twice`);
    const seconds = (Date.now() - began) / 1000;
    return {
      scenario: "2 no faults",
      store: kind,
      jobs: result.jobs,
      faults: "none",
      lost: result.lost.length,
      duplicates: result.completedMore,
      causes: causesOf(result),
      dead: result.dead.length,
      expectedDead: 0,
      recovery: "-",
      seconds,
      failures,
      notes: [`${Math.round(result.jobs / seconds)} jobs/s incl. enqueue`],
    };
  } finally {
    await ctx.close();
  }
}
