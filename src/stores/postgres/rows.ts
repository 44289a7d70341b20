import type { JobState } from "../../job.ts";
import type { ClaimedJob, JobRecord } from "../contract.ts";

/*
 * pg returns bigint columns as strings (and an application may have installed its own
 * type parsers on a shared pool), so every number goes through Number() and every id
 * through String(); logs are read as text and parsed here for the same reason.
 */
type Big = string | number;

/** A claimed job: a row of claim_plain() (migration 003) or of claim-lease.sql. */
export interface ClaimRow {
  id: Big;
  name: string;
  queue: string;
  data: string;
  priority: Big;
  attempt: number;
  attempts: Big;
  stalls: number;
  max_stalls: Big;
  key: string | null;
  grp: string | null;
  token: string;
  created_at: Big;
  run_at: Big;
  lease_expires_at: Big;
}

/** A row of get.sql and list.sql. */
export interface JobRow {
  id: Big;
  name: string;
  queue: string;
  state: JobState;
  data: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  logs: string;
  attempt: number;
  attempts: Big;
  stalls: number;
  max_stalls: Big;
  priority: Big;
  key: string | null;
  grp: string | null;
  created_at: Big;
  run_at: Big;
  started_at: Big | null;
  finished_at: Big | null;
}

function orNull(value: Big | null): number | null {
  return value === null ? null : Number(value);
}

export function toClaimedJob(row: ClaimRow): ClaimedJob {
  return {
    id: String(row.id),
    name: row.name,
    queue: row.queue,
    data: row.data,
    priority: Number(row.priority),
    attempt: Number(row.attempt),
    attempts: Number(row.attempts),
    stalls: Number(row.stalls),
    maxStalls: Number(row.max_stalls),
    key: row.key,
    group: row.grp,
    token: row.token,
    createdAt: Number(row.created_at),
    runAt: Number(row.run_at),
    leaseExpiresAt: Number(row.lease_expires_at),
  };
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: String(row.id),
    name: row.name,
    queue: row.queue,
    state: row.state,
    data: row.data,
    result: row.result,
    error: row.error,
    progress: row.progress,
    logs: JSON.parse(row.logs) as { at: number; message: string }[],
    attempt: Number(row.attempt),
    attempts: Number(row.attempts),
    stalls: Number(row.stalls),
    maxStalls: Number(row.max_stalls),
    priority: Number(row.priority),
    key: row.key,
    group: row.grp,
    createdAt: Number(row.created_at),
    runAt: Number(row.run_at),
    startedAt: orNull(row.started_at),
    finishedAt: orNull(row.finished_at),
  };
}

/** Claim order: priority high to low, then due time, then enqueue order. */
export function compareClaimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return b.priority - a.priority || a.runAt - b.runAt || Number(a.id) - Number(b.id);
}

/**
 * A job id as the bigint key, or null for an id this store never issued (which then
 * matches no row instead of failing the whole batch on a cast).
 */
export function rowId(id: string): string | null {
  return /^[1-9]\d{0,17}$/.test(id) ? id : null;
}

/** Marks which 1-based input slots a statement reported as applied. */
export function appliedSlots(count: number, ords: Iterable<number>): boolean[] {
  const applied = new Array<boolean>(count).fill(false);
  for (const ord of ords) applied[ord - 1] = true;
  return applied;
}
