import type { NewJob, Outcome, RawJob } from "../contract.ts";

/*
 * Contract values turned into script arguments. Scripts cannot receive null, so '' stands
 * for null wherever a value is optional (keys, groups and JSON texts are never '').
 */

function text(value: string | number | null | undefined): string | number {
  return value === null || value === undefined ? "" : value;
}

/**
 * One raw job as insert-raw.lua's eighteen arguments ('' for null), with the same
 * defaults as the other stores; the script fills in the times, token and lease that
 * depend on the server's clock.
 */
export function rawJobArgs(job: RawJob): (string | number)[] {
  return [
    job.name,
    job.state,
    job.data ?? "{}",
    text(job.result),
    text(job.error),
    job.priority ?? 0,
    job.attempt ?? 0,
    job.attempts ?? 3,
    job.stalls ?? 0,
    job.maxStalls ?? 3,
    text(job.key),
    text(job.group),
    text(job.token),
    text(job.leaseExpiresAt),
    text(job.createdAt),
    text(job.runAt),
    text(job.startedAt),
    text(job.finishedAt),
  ];
}

/** One new job as the eleven arguments enqueue-job.lua reads. */
export function enqueueArgs(job: NewJob): (string | number)[] {
  return [
    job.name,
    job.data,
    job.priority,
    job.runAt ?? "",
    job.delayMs,
    job.attempts,
    job.maxStalls,
    job.key ?? "",
    job.group ?? "",
    text(job.debounceMs),
    text(job.throttleMs),
  ];
}

/**
 * Jobs as enqueue.lua's runs: consecutive jobs that differ only in their data share one
 * copy of the other ten fields, preceded by the run's length and followed by each job's
 * data. A bulk enqueue of one task then sends about one argument per job instead of eleven.
 */
export function enqueueRunArgs(jobs: NewJob[]): (string | number)[] {
  const args: (string | number)[] = [];
  let start = 0;
  while (start < jobs.length) {
    const first = jobs[start] as NewJob;
    let end = start + 1;
    while (end < jobs.length && sameOptions(first, jobs[end] as NewJob)) end += 1;
    const fields = enqueueArgs(first);
    fields[1] = "";
    args.push(end - start, ...fields);
    for (let i = start; i < end; i += 1) args.push((jobs[i] as NewJob).data);
    start = end;
  }
  return args;
}

function sameOptions(a: NewJob, b: NewJob): boolean {
  return (
    a.name === b.name &&
    a.priority === b.priority &&
    a.runAt === b.runAt &&
    a.delayMs === b.delayMs &&
    a.attempts === b.attempts &&
    a.maxStalls === b.maxStalls &&
    a.key === b.key &&
    a.group === b.group &&
    a.debounceMs === b.debounceMs &&
    a.throttleMs === b.throttleMs
  );
}

/** settle.lua's name for an outcome's kind. */
function settleKind(outcome: Outcome): string {
  return outcome.kind === "complete" && outcome.remove ? "remove" : outcome.kind;
}

/** The value settle.lua reads with an outcome ('' when its kind has none). */
function settleValue(outcome: Outcome): string {
  switch (outcome.kind) {
    case "complete":
      return outcome.result;
    case "retry":
      return `${outcome.delayMs}:${outcome.error}`;
    case "dead":
      return outcome.error;
    case "release":
      return "";
    case "postpone":
      return String(outcome.delayMs);
  }
}

/**
 * Outcomes of one queue as settle.lua's runs: consecutive outcomes of one kind share it,
 * as the kind, the run's length, then three arguments per outcome (job number, token,
 * value). `ns` are the outcomes' job numbers. A worker's batch is mostly one run, so each
 * job costs three arguments instead of four: every argument costs the client about
 * 0.4 µs to encode.
 */
export function settleRunArgs(outcomes: Outcome[], ns: string[]): string[] {
  const args: string[] = [];
  let start = 0;
  while (start < outcomes.length) {
    const kind = settleKind(outcomes[start] as Outcome);
    let end = start + 1;
    while (end < outcomes.length && settleKind(outcomes[end] as Outcome) === kind) end += 1;
    args.push(kind, String(end - start));
    for (let i = start; i < end; i += 1) {
      const outcome = outcomes[i] as Outcome;
      args.push(ns[i] as string, outcome.token, settleValue(outcome));
    }
    start = end;
  }
  return args;
}
