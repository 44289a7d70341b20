/*
 * Pure reading of the chaos ledgers: what happened to every acknowledged job, and why
 * any job ran more often than its settled attempts account for.
 */
import type { LedgerEntry } from "./ledger.ts";

/** Why a run ended without its outcome being applied. */
export type DuplicateCause = "killed" | "frozen" | "lease-lost" | "store-outage" | "untraced";

/** A run (one claim token that reached its handler) that does not account for an attempt. */
export interface ExtraRun {
  id: string;
  token: string;
  worker: string;
  cause: DuplicateCause;
}

export interface Classification {
  jobs: number;
  completedOnce: number;
  /** Completed jobs whose handler started more often than their applied settles account for. */
  completedMore: number;
  dead: string[];
  lost: string[];
  extraRuns: ExtraRun[];
  causes: Record<DuplicateCause, number>;
  /** Jobs with two applied completions under different tokens: a fencing failure. */
  overwrites: string[];
}

/** A job's state in the store after the run; null when the store does not have it. */
export type FinalState = string | null;

interface JobRuns {
  starts: Map<string, { worker: string; t: number }>;
  applied: Map<string, string>;
  refused: Set<string>;
}

function byJob(entries: LedgerEntry[]): Map<string, JobRuns> {
  const jobs = new Map<string, JobRuns>();
  const get = (id: string): JobRuns => {
    let runs = jobs.get(id);
    if (!runs) jobs.set(id, (runs = { starts: new Map(), applied: new Map(), refused: new Set() }));
    return runs;
  };
  for (const entry of entries) {
    if (entry.e === "start") get(entry.id).starts.set(entry.tok, { worker: entry.w, t: entry.t });
    else if (entry.e === "settle" && entry.ok) get(entry.id).applied.set(entry.tok, entry.kind);
    else if ((entry.e === "settle" && !entry.ok) || entry.e === "lost")
      get(entry.id).refused.add(entry.tok);
  }
  return jobs;
}

interface Faults {
  killedAt: Map<string, number>;
  frozen: Set<string>;
  outages: { down: number; up: number }[];
}

function faults(entries: LedgerEntry[]): Faults {
  const killedAt = new Map<string, number>();
  const frozen = new Set<string>();
  const outages: { down: number; up: number }[] = [];
  for (const entry of entries) {
    if (entry.e !== "fault") continue;
    if (entry.kind === "kill") killedAt.set(entry.target, entry.t);
    else if (entry.kind === "stop") frozen.add(entry.target);
    else if (entry.kind === "store-down") outages.push({ down: entry.t, up: Infinity });
    else if (entry.kind === "store-up") {
      const open = outages.find((o) => o.up === Infinity);
      if (open) open.up = entry.t;
    }
  }
  return { killedAt, frozen, outages };
}

function cause(
  token: string,
  run: { worker: string; t: number },
  refused: Set<string>,
  f: Faults,
): DuplicateCause {
  if ((f.killedAt.get(run.worker) ?? -Infinity) >= run.t) return "killed";
  if (f.frozen.has(run.worker)) return "frozen";
  // The run was under way when the store went down: its heartbeats could not reach it.
  if (f.outages.some((o) => o.up >= run.t && run.t >= o.down - 60_000)) return "store-outage";
  if (refused.has(token)) return "lease-lost";
  return "untraced";
}

/**
 * Classifies every acknowledged job. `final` maps job ids to their state in the store;
 * an acknowledged job missing from it, or neither completed nor dead, is lost.
 */
export function classify(entries: LedgerEntry[], final: Map<string, FinalState>): Classification {
  const acked = new Set(entries.filter((e) => e.e === "enq").map((e) => e.id));
  const jobs = byJob(entries);
  const f = faults(entries);
  const result: Classification = {
    jobs: acked.size,
    completedOnce: 0,
    completedMore: 0,
    dead: [],
    lost: [],
    extraRuns: [],
    causes: { killed: 0, frozen: 0, "lease-lost": 0, "store-outage": 0, untraced: 0 },
    overwrites: [],
  };
  for (const id of acked) {
    const state = final.get(id) ?? null;
    if (state === "dead") result.dead.push(id);
    else if (state !== "completed") {
      result.lost.push(id);
      continue;
    }
    const runs = jobs.get(id);
    if (!runs) {
      if (state === "completed") result.completedOnce++;
      continue;
    }
    const completions = [...runs.applied.values()].filter((k) => k === "complete").length;
    if (completions > 1) result.overwrites.push(id);
    const terminal = [...runs.applied.values()].some((k) => k === "complete" || k === "dead");
    const unaccounted = [...runs.starts].filter(([tok]) => !runs.applied.has(tok));
    // No applied terminal settle in the ledger: the last run committed it and was killed
    // before its ledger line, so that run accounts for the outcome.
    if (!terminal && unaccounted.length > 0) {
      unaccounted.sort((a, b) => a[1].t - b[1].t);
      unaccounted.pop();
    }
    for (const [token, run] of unaccounted) {
      const c = cause(token, run, runs.refused, f);
      result.causes[c]++;
      result.extraRuns.push({ id, token, worker: run.worker, cause: c });
    }
    if (state === "completed") {
      if (unaccounted.length > 0) result.completedMore++;
      else result.completedOnce++;
    }
  }
  return result;
}

/** Jobs the store must be asked about: acknowledged, with no applied terminal settle in the ledger. */
export function unsettledIds(entries: LedgerEntry[]): string[] {
  const done = new Set<string>();
  for (const e of entries) {
    if (e.e === "settle" && e.ok && (e.kind === "complete" || e.kind === "dead")) done.add(e.id);
  }
  return [...new Set(entries.filter((e) => e.e === "enq").map((e) => e.id))].filter(
    (id) => !done.has(id),
  );
}

/** The state each ledger-settled job ended in, by its applied terminal settle. */
export function ledgerFinalStates(entries: LedgerEntry[]): Map<string, FinalState> {
  const states = new Map<string, FinalState>();
  for (const e of entries) {
    if (e.e === "settle" && e.ok && e.kind === "complete") states.set(e.id, "completed");
    else if (e.e === "settle" && e.ok && e.kind === "dead") states.set(e.id, "dead");
  }
  return states;
}

/**
 * For every job a killed worker had started and not settled: milliseconds from the kill
 * to the job's next start under another token. Jobs never restarted are left out.
 */
export function recoveryTimes(entries: LedgerEntry[]): number[] {
  const f = faults(entries);
  const jobs = byJob(entries);
  const times: number[] = [];
  for (const runs of jobs.values()) {
    for (const [token, run] of runs.starts) {
      const killed = f.killedAt.get(run.worker);
      if (killed === undefined || killed < run.t || runs.applied.has(token)) continue;
      const next = [...runs.starts.values()]
        .filter((r) => r.t > killed)
        .sort((a, b) => a.t - b.t)[0];
      if (next) times.push(next.t - killed);
    }
  }
  return times;
}

/** The q-quantile (0..1) of `values`, or null when there are none. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}
