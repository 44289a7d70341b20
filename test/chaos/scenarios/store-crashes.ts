/*
 * Scenario 3: the store crashes under load. PostgreSQL (a throwaway cluster) stopped
 * with `-m immediate` and restarted; Redis (its own server, appendfsync always) killed
 * with SIGKILL and restarted; on SQLite, which has no server, the writer processes are
 * killed. A producer in this process keeps enqueueing throughout: every acknowledged
 * enqueue must survive, the producer must get a typed error while the store is down,
 * and the workers must resume once it is back.
 */
import { setTimeout as delay } from "node:timers/promises";

import Database from "better-sqlite3";

import { ErrandError } from "../../../src/errors.ts";
import { quantile } from "../classify.ts";
import { TASK } from "../messages.ts";
import { ownPostgres, ownRedis, type OwnServer } from "../own-servers.ts";
import { RunContext } from "../run-context.ts";
import type { StoreKind } from "../targets.ts";
import type { ChaosWorker } from "../worker-pool.ts";
import { causesOf, ms, type ScenarioReport } from "./report.ts";

export interface StoreCrashOptions {
  jobs: number;
  /** PostgreSQL and Redis crashes: how long each keeps the server down. */
  downMs: number[];
  /** SQLite writer processes killed. */
  sqliteKills: number;
  timeoutMs: number;
}

interface Producer {
  stop(): Promise<void>;
  /** When each enqueue call failed, and whether with one of Errand's typed errors. */
  errors: { t: number; typed: boolean; message: string }[];
  sent: () => number;
}

/** Enqueues `total` jobs in batches of 20 spread over `spanMs`, riding out errors. */
function produce(
  ctx: RunContext,
  total: number,
  spanMs: number,
  policy: { maxStalls: number },
): Producer {
  const pauseMs = spanMs / Math.max(1, Math.ceil(total / 20));
  let sent = 0;
  let stopping = false;
  const errors: Producer["errors"] = [];
  const loop = (async () => {
    while (!stopping && sent < total) {
      try {
        await ctx.enqueue(TASK.job, Math.min(20, total - sent), policy, { from: sent });
        sent += 20;
      } catch (error) {
        errors.push({ t: Date.now(), typed: error instanceof ErrandError, message: String(error) });
        await delay(100);
      }
      await delay(pauseMs);
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
    },
    errors,
    sent: () => sent,
  };
}

export async function storeCrashes(kind: StoreKind, o: StoreCrashOptions): Promise<ScenarioReport> {
  const began = Date.now();
  const server: OwnServer | null =
    kind === "postgres" ? await ownPostgres() : kind === "redis" ? await ownRedis() : null;
  const ctx = RunContext.open(kind, server?.url);
  const policy = { maxStalls: 1000 };
  const failures: string[] = [];
  const notes: string[] = [];
  const resume: number[] = [];
  const firstError: number[] = [];
  try {
    await ctx.enqueue(TASK.job, Math.floor(o.jobs / 3), policy);
    const config = { concurrency: 8, leaseMs: 2000, workMs: 5 };
    const live: ChaosWorker[] = [];
    for (let i = 0; i < 3; i++) live.push(await ctx.spawn(config));
    const spanMs = server
      ? o.downMs.reduce((sum, d) => sum + d + 4000, 0)
      : o.sqliteKills * 250 + 1000;
    const producer = produce(ctx, o.jobs - Math.floor(o.jobs / 3), spanMs, policy);
    let faults = 0;
    if (server) {
      for (const [i, downMs] of o.downMs.entries()) {
        await delay(1000);
        ctx.ledger.write({ e: "fault", kind: "store-down", target: kind });
        const down = Date.now();
        await server.crash();
        await delay(downMs);
        await server.start();
        ctx.ledger.write({ e: "fault", kind: "store-up", target: kind });
        const up = Date.now();
        faults++;
        const err = producer.errors.find((e) => e.t >= down);
        if (err && err.t <= up) firstError.push(err.t - down);
        else if (downMs >= 6000)
          failures.push(`crash ${i + 1}: the producer got no error in ${downMs} ms down`);
        else notes.push(`crash ${i + 1}: the producer got no error in ${downMs} ms down`);
        // New work after the return, so resuming is seen even if the backlog ran dry.
        // The producer's own connection may still be reconnecting: retry its typed errors.
        for (let tries = 0; ; tries++) {
          try {
            await ctx.enqueue(TASK.job, 10, policy, { from: 10_000_000 + i * 10 });
            break;
          } catch (error) {
            if (!(error instanceof ErrandError) || tries > 100) throw error;
            await delay(100);
          }
        }
        // Resumed once any worker settles a job after the store returned.
        const deadline = up + 30_000;
        while (Date.now() < deadline) {
          const settled = ctx.entries().find((e) => e.e === "settle" && e.ok && e.t >= up);
          if (settled) {
            resume.push(settled.t - up);
            break;
          }
          await delay(50);
        }
        if (resume.length < faults) failures.push(`crash ${i + 1}: workers did not resume in 30 s`);
      }
    } else {
      for (let i = 0; i < o.sqliteKills; i++) {
        await delay(100 + Math.random() * 300);
        const j = Math.floor(Math.random() * live.length);
        await live[j]?.kill();
        faults++;
        live[j] = await ctx.spawn(config);
      }
    }
    await producer.stop();
    const counts = await ctx.drain(o.timeoutMs);
    await ctx.stopAll();
    const { result } = await ctx.reckon();
    if (ctx.path) {
      const db = new Database(ctx.path, { readonly: true });
      const check = db.pragma("integrity_check", { simple: true });
      db.close();
      if (check !== "ok") failures.push(`integrity_check: ${String(check)}`);
      else notes.push("integrity_check ok");
    }
    const untyped = producer.errors.filter((e) => !e.typed);
    if (untyped.length > 0)
      failures.push(`${untyped.length} untyped producer errors: ${untyped[0]?.message}`);
    if (counts.waiting + counts.active + counts.scheduled > 0)
      failures.push(`not drained: ${JSON.stringify(counts)}`);
    if (result.lost.length > 0) failures.push(`${result.lost.length} acknowledged enqueues lost`);
    if (result.dead.length > 0) failures.push(`${result.dead.length} dead`);
    if (result.causes.untraced > 0) failures.push(`${result.causes.untraced} untraced duplicates`);
    if (result.overwrites.length > 0) failures.push(`${result.overwrites.length} overwrites`);
    const maxResume = quantile(resume, 1);
    const maxError = quantile(firstError, 1);
    if (maxResume !== null && maxResume > 5000) notes.push(`resume ${ms(maxResume)} > 5 s`);
    if (maxError !== null && maxError > 5000)
      notes.push(`first producer error ${ms(maxError)} > 5 s`);
    return {
      scenario: "3 store crashes",
      store: kind,
      jobs: result.jobs,
      faults: server
        ? `${faults} ${kind === "postgres" ? "stop -m immediate" : "kill -9"} + restart, down ${o.downMs.join("/")} ms`
        : `${faults} writer processes SIGKILLed`,
      lost: result.lost.length,
      duplicates: result.completedMore,
      causes: causesOf(result),
      dead: result.dead.length,
      expectedDead: 0,
      recovery: server
        ? `resume after return max ${ms(maxResume)}; producer's first typed error max ${ms(maxError)} after crash`
        : "-",
      seconds: (Date.now() - began) / 1000,
      failures,
      notes,
    };
  } finally {
    await ctx.close();
    await server?.destroy();
  }
}
