/*
 * Scenario 5: poison jobs. (a) A handler that always throws gets exactly `attempts`
 * tries and is dead, while the other jobs' wait (enqueue acknowledged -> handler start)
 * is compared with a baseline run without poison, at the same steady arrival rate.
 * (b) A handler that SIGKILLs its own process is dead after `maxStalls` deaths, and the
 * other jobs keep flowing through the restarted workers.
 */
import { setTimeout as delay } from "node:timers/promises";

import { quantile } from "../classify.ts";
import type { LedgerEntry } from "../ledger.ts";
import { TASK } from "../messages.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import type { ChaosWorker } from "../worker-pool.ts";
import { ms, type ScenarioReport } from "./report.ts";

export interface PoisonOptions {
  /** Normal jobs per run, enqueued at `ratePerSec`. */
  jobs: number;
  ratePerSec: number;
  /** One poison job per this many normal jobs. */
  poisonEvery: number;
  attempts: number;
  maxStalls: number;
  timeoutMs: number;
}

/** Wait of each normal job: first start minus acknowledged enqueue. */
function waits(entries: LedgerEntry[], normal: Set<string>): number[] {
  const enq = new Map<string, number>();
  const start = new Map<string, number>();
  for (const e of entries) {
    if (e.e === "enq" && normal.has(e.id)) enq.set(e.id, e.t);
    if (e.e === "start" && normal.has(e.id) && !start.has(e.id)) start.set(e.id, e.t);
  }
  return [...enq].flatMap(([id, t]) => {
    const s = start.get(id);
    return s === undefined ? [] : [Math.max(0, s - t)];
  });
}

async function steadyRun(kind: StoreKind, o: PoisonOptions, poison: boolean) {
  const ctx = RunContext.open(kind);
  try {
    ctx.task(TASK.poison, { attempts: o.attempts });
    for (let i = 0; i < 2; i++) await ctx.spawn({ concurrency: 8, leaseMs: 5000, workMs: 5 });
    const normal = new Set<string>();
    const poisoned = new Set<string>();
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((o.ratePerSec * tickMs) / 1000));
    for (let sent = 0; sent < o.jobs; sent += perTick) {
      const tick = Date.now();
      for (const id of await ctx.enqueue(
        TASK.job,
        Math.min(perTick, o.jobs - sent),
        {},
        { from: sent },
      ))
        normal.add(id);
      if (poison && Math.floor((sent + perTick) / o.poisonEvery) > Math.floor(sent / o.poisonEvery))
        for (const id of await ctx.enqueue(TASK.poison, 1, { attempts: o.attempts }))
          poisoned.add(id);
      await delay(Math.max(0, tickMs - (Date.now() - tick)));
    }
    await ctx.drain(o.timeoutMs);
    await ctx.stopAll();
    const { result, entries } = await ctx.reckon();
    const starts = (id: string) => entries.filter((e) => e.e === "start" && e.id === id).length;
    const wrongTries = [...poisoned].filter((id) => starts(id) !== o.attempts).length;
    return { result, waits: waits(entries, normal), poisoned, wrongTries };
  } finally {
    await ctx.close();
  }
}

async function suicideRun(kind: StoreKind, o: PoisonOptions) {
  const ctx = RunContext.open(kind);
  try {
    const leaseMs = 1000;
    const config = { concurrency: 4, leaseMs, workMs: 5, rescueMs: 200 };
    const live: ChaosWorker[] = [];
    for (let i = 0; i < 2; i++) live.push(await ctx.spawn(config));
    const [killer] = await ctx.enqueue(TASK.suicide, 1, { maxStalls: o.maxStalls });
    const ids = await ctx.enqueue(TASK.job, 200);
    let deaths = 0;
    // A supervisor: a worker that died on its own is recorded as killed and replaced.
    const counts = await ctx.drain(o.timeoutMs, async () => {
      await delay(100);
      for (let i = 0; i < live.length; i++) {
        const w = live[i];
        if (w && !w.alive) {
          ctx.ledger.write({ e: "fault", kind: "kill", target: w.tag });
          deaths++;
          live[i] = await ctx.spawn(config);
        }
      }
    });
    await ctx.stopAll();
    const { result, entries } = await ctx.reckon();
    const info = killer ? await ctx.errand.jobs.get(killer) : null;
    // For every other job that ended dead: its claims in a process that also claimed the
    // self-killing job, its claims in all, and its handler starts.
    const killerRuns = new Set(
      entries.filter((e) => e.e === "claim" && e.id === killer).map((e) => e.w),
    );
    const neighbours = result.dead
      .filter((id) => id !== killer)
      .map((id) => {
        const claims = entries.filter((e) => e.e === "claim" && e.id === id);
        const starts = entries.filter((e) => e.e === "start" && e.id === id).length;
        return `${claims.filter((e) => killerRuns.has(e.w)).length}/${claims.length} claims, ${starts} starts`;
      });
    return { result, counts, info, deaths, normal: ids.length, neighbours };
  } finally {
    await ctx.close();
  }
}

export async function poisonJobs(kind: StoreKind, o: PoisonOptions): Promise<ScenarioReport> {
  const began = Date.now();
  const base = await steadyRun(kind, o, false);
  const withPoison = await steadyRun(kind, o, true);
  const suicide = await suicideRun(kind, o);
  const p99Base = quantile(base.waits, 0.99);
  const p99Poison = quantile(withPoison.waits, 0.99);
  const ratio = p99Base && p99Poison !== null ? p99Poison / p99Base : null;
  const failures: string[] = [];
  const expectedDead = withPoison.poisoned.size + 1;
  const unexpectedDead = withPoison.result.dead.filter((id) => !withPoison.poisoned.has(id));
  if (withPoison.wrongTries > 0)
    failures.push(`${withPoison.wrongTries} poison jobs not tried exactly ${o.attempts} times`);
  if (withPoison.result.dead.length !== withPoison.poisoned.size || unexpectedDead.length > 0)
    failures.push(`dead ${withPoison.result.dead.length}, poison ${withPoison.poisoned.size}`);
  for (const [name, r] of [
    ["baseline", base.result],
    ["poison", withPoison.result],
    ["suicide", suicide.result],
  ] as const) {
    if (r.lost.length > 0) failures.push(`${name}: ${r.lost.length} lost`);
    if (r.causes.untraced > 0) failures.push(`${name}: ${r.causes.untraced} untraced duplicates`);
  }
  if (base.result.dead.length > 0) failures.push(`baseline: ${base.result.dead.length} dead`);
  if (suicide.info?.state !== "dead" || suicide.info.stalls !== o.maxStalls)
    failures.push(
      `the self-killing job ended ${JSON.stringify({ state: suicide.info?.state, stalls: suicide.info?.stalls })}`,
    );
  if (suicide.result.dead.length !== 1)
    failures.push(`suicide run: ${suicide.result.dead.length} dead`);
  if (suicide.result.completedOnce + suicide.result.completedMore !== suicide.normal)
    failures.push(
      `suicide run: normal jobs did not all complete ${JSON.stringify(suicide.counts)}`,
    );
  return {
    scenario: "5 poison jobs",
    store: kind,
    jobs: base.result.jobs + withPoison.result.jobs + suicide.result.jobs,
    faults: `${withPoison.poisoned.size} always-throw jobs (attempts ${o.attempts}); 1 self-killing job (maxStalls ${o.maxStalls}, ${suicide.deaths} deaths)`,
    lost: base.result.lost.length + withPoison.result.lost.length + suicide.result.lost.length,
    duplicates: withPoison.result.completedMore + suicide.result.completedMore,
    causes: Object.fromEntries(
      Object.entries(withPoison.result.causes)
        .map(([c, n]) => [c, n + suicide.result.causes[c as keyof typeof suicide.result.causes]])
        .filter(([, n]) => Number(n) > 0),
    ),
    dead: withPoison.result.dead.length + suicide.result.dead.length,
    expectedDead,
    recovery: `wait p99 ${ms(p99Base)} baseline, ${ms(p99Poison)} with poison (x${ratio === null ? "-" : ratio.toFixed(2)})`,
    seconds: (Date.now() - began) / 1000,
    failures,
    notes: [
      ...(ratio !== null && ratio > 1.2 ? [`wait p99 ratio ${ratio.toFixed(2)} > 1.2`] : []),
      ...(suicide.neighbours.length > 0
        ? [
            `other dead jobs (claims beside the self-killer / claims, handler starts): ${suicide.neighbours.join("; ")}`,
          ]
        : []),
    ],
  };
}
