import type { JobState } from "../../job.ts";
import type { ClaimedJob, JobRecord } from "../contract.ts";

/** A row of claim.sql's RETURNING clause. */
export interface ClaimRow {
  id: number;
  name: string;
  queue: string;
  data: string;
  priority: number;
  attempt: number;
  attempts: number;
  stalls: number;
  max_stalls: number;
  key: string | null;
  grp: string | null;
  token: string;
  created_at: number;
  run_at: number;
  lease_expires_at: number;
}

/** A row of get.sql and list.sql. */
export interface JobRow {
  id: number;
  name: string;
  queue: string;
  state: JobState;
  data: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  logs: string;
  attempt: number;
  attempts: number;
  stalls: number;
  max_stalls: number;
  priority: number;
  key: string | null;
  grp: string | null;
  created_at: number;
  run_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export function toClaimedJob(row: ClaimRow): ClaimedJob {
  return {
    id: String(row.id),
    name: row.name,
    queue: row.queue,
    data: row.data,
    priority: row.priority,
    attempt: row.attempt,
    attempts: row.attempts,
    stalls: row.stalls,
    maxStalls: row.max_stalls,
    key: row.key,
    group: row.grp,
    token: row.token,
    createdAt: row.created_at,
    runAt: row.run_at,
    leaseExpiresAt: row.lease_expires_at,
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
    attempt: row.attempt,
    attempts: row.attempts,
    stalls: row.stalls,
    maxStalls: row.max_stalls,
    priority: row.priority,
    key: row.key,
    group: row.grp,
    createdAt: row.created_at,
    runAt: row.run_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Claim order: priority high to low, then due time, then enqueue order. */
export function compareClaimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return b.priority - a.priority || a.runAt - b.runAt || Number(a.id) - Number(b.id);
}

/** A job id as the SQLite key, or null for an id this store never issued. */
export function rowId(id: string): number | null {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : null;
}
