import type { JobState } from "../../job.ts";
import type { ClaimedJob, JobRecord } from "../contract.ts";

/**
 * A row of claim.sql's RETURNING clause, in its column order. The claim statement is
 * prepared raw (statements.ts), so each row is an array: building an object of fifteen
 * named columns for every claimed job was about a fifth of the claim's cost.
 */
export type ClaimRow = [
  id: number,
  name: string,
  queue: string,
  data: string,
  priority: number,
  attempt: number,
  attempts: number,
  stalls: number,
  maxStalls: number,
  key: string | null,
  grp: string | null,
  token: string,
  createdAt: number,
  runAt: number,
  leaseExpiresAt: number,
];

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
    id: String(row[0]),
    name: row[1],
    queue: row[2],
    data: row[3],
    priority: row[4],
    attempt: row[5],
    attempts: row[6],
    stalls: row[7],
    maxStalls: row[8],
    key: row[9],
    group: row[10],
    token: row[11],
    createdAt: row[12],
    runAt: row[13],
    leaseExpiresAt: row[14],
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
