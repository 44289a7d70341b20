import type { JobState } from "../../job.ts";
import type { ClaimedJob, JobRecord } from "../contract.ts";
import { jobId } from "./keys.ts";

/*
 * Turns script replies into the contract's shapes. Redis replies are strings, integers
 * and nested arrays; a missing hash field comes back as null.
 */

type Field = string | null;

function numberOr<T>(value: Field | number | undefined, fallback: T): number | T {
  return value === null || value === undefined || value === "" ? fallback : Number(value);
}

/** claim.lua's flat reply: nextDueInMs, leaseExpiresAt, then CLAIM_FIELDS fields per job. */
export type ClaimReply = (string | number | null)[];

const CLAIM_FIELDS = 12;

/**
 * The jobs of a claim.lua reply. Per job: n, name, data, priority, attempt, attempts, stalls,
 * maxStalls, key, group, createdAt, runAt; the i-th job (from 1) holds the token
 * `tokenPrefix + i`, and all share the lease expiry.
 */
export function toClaimedJobs(reply: ClaimReply, queue: string, tokenPrefix: string): ClaimedJob[] {
  const leaseExpiresAt = Number(reply[1]);
  const jobs: ClaimedJob[] = [];
  for (let at = 2; at + CLAIM_FIELDS <= reply.length; at += CLAIM_FIELDS) {
    const key = reply[at + 8] as Field;
    const group = reply[at + 9] as Field;
    jobs.push({
      id: jobId(reply[at] as string, queue),
      name: reply[at + 1] as string,
      queue,
      data: reply[at + 2] as string,
      priority: Number(reply[at + 3]),
      attempt: Number(reply[at + 4]),
      attempts: Number(reply[at + 5]),
      stalls: Number(reply[at + 6]),
      maxStalls: Number(reply[at + 7]),
      key: key ?? null,
      group: group ?? null,
      token: `${tokenPrefix}${jobs.length + 1}`,
      createdAt: Number(reply[at + 10]),
      runAt: Number(reply[at + 11]),
      leaseExpiresAt,
    });
  }
  return jobs;
}

/** Claim order: priority high to low, then due time, then enqueue order (job number, queue). */
export function compareClaimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return (
    b.priority - a.priority ||
    a.runAt - b.runAt ||
    jobNumber(a.id) - jobNumber(b.id) ||
    (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0)
  );
}

function jobNumber(id: string): number {
  return Number(id.slice(0, id.indexOf(":")));
}

/** A log line stored as "<at>:<message>". */
function toLog(line: string): { at: number; message: string } {
  const colon = line.indexOf(":");
  return { at: Number(line.slice(0, colon)), message: line.slice(colon + 1) };
}

/** A get.lua / list.lua record ({n, flat hash, log lines, reported state}), or null for {}. */
export function toJobRecord(reply: unknown[], queue: string): JobRecord | null {
  if (reply.length === 0) return null;
  const [n, flat, logs, state] = reply as [number, string[], string[], JobState];
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  return {
    id: jobId(n, queue),
    name: f.get("name") ?? "",
    queue,
    state,
    data: f.get("data") ?? "null",
    result: f.get("result") ?? null,
    error: f.get("error") ?? null,
    progress: f.get("progress") ?? null,
    logs: logs.map(toLog),
    attempt: numberOr(f.get("attempt"), 0),
    attempts: numberOr(f.get("attempts"), 1),
    stalls: numberOr(f.get("stalls"), 0),
    maxStalls: numberOr(f.get("maxStalls"), 1),
    priority: numberOr(f.get("priority"), 0),
    key: f.get("key") ?? null,
    group: f.get("group") ?? null,
    createdAt: numberOr(f.get("createdAt"), 0),
    runAt: numberOr(f.get("runAt"), 0),
    startedAt: numberOr(f.get("startedAt"), null),
    finishedAt: numberOr(f.get("finishedAt"), null),
  };
}
