import type { JobState } from "../../job.ts";
import type { JobRecord, ListParams, ListResult } from "../contract.ts";
import type { RunScriptFn } from "./claim-jobs.ts";
import { jobId, parseJobId } from "./keys.ts";
import { toJobRecord } from "./records.ts";

/** Entries one queue's list script examines at most per page (see list.lua). */
const SCAN_BUDGET = 5_000;

/** The per-queue set list.lua walks for each state filter. */
const SET_OF_STATE: Record<JobState, string> = {
  scheduled: "pending",
  waiting: "pending",
  active: "active",
  completed: "completed",
  dead: "dead",
  cancelled: "cancelled",
};

/** A place in the listing order: job number high to low, then queue name high to low. */
interface Position {
  n: number;
  queue: string;
}

/** Negative when `a` is listed before `b`. */
function compare(a: Position, b: Position): number {
  if (a.n !== b.n) return b.n - a.n;
  return a.queue > b.queue ? -1 : a.queue < b.queue ? 1 : 0;
}

function position(record: JobRecord): Position {
  return { n: Number(record.id.slice(0, record.id.indexOf(":"))), queue: record.queue };
}

interface QueuePart {
  records: JobRecord[];
  /** Where this queue's scan stopped short of a full page, or null. */
  stoppedAt: Position | null;
}

async function listQueue(
  run: RunScriptFn,
  queue: string,
  params: ListParams,
  after: Position | null,
): Promise<QueuePart> {
  // Jobs strictly after the cursor: a lower number, or the same number in a queue listed later.
  const bound = after === null ? "+inf" : queue < after.queue ? `${after.n}` : `(${after.n}`;
  const [records, scannedTo] = (await run("list", queue, [
    params.now ?? "",
    params.state ? SET_OF_STATE[params.state] : "all",
    params.state ?? "",
    params.name ?? "",
    bound,
    // One more than asked tells whether a page follows.
    params.limit + 1,
    SCAN_BUDGET,
  ])) as [unknown[][], number];
  return {
    records: records.map((r) => toJobRecord(r, queue)).filter((r): r is JobRecord => r !== null),
    stoppedAt: scannedTo < 0 ? null : { n: scannedTo, queue },
  };
}

/**
 * One page of jobs across `queues`, newest first: each queue lists its own part (one
 * script per queue, since queues live on different Cluster slots) and the parts are
 * merged. The cursor is the last job's id, read as a position in the order, so pages
 * neither skip nor repeat jobs; it is null when no job follows the page. When a queue's scan ran out of budget (a filter that
 * matches little), the page ends where that scan stopped, and the cursor resumes there.
 */
export async function listJobs(
  run: RunScriptFn,
  queues: string[],
  params: ListParams,
): Promise<ListResult> {
  const cursor = params.cursor === undefined ? null : parseJobId(params.cursor);
  const after = cursor === null ? null : { n: Number(cursor.n), queue: cursor.queue };
  const parts = await Promise.all(queues.map((queue) => listQueue(run, queue, params, after)));
  let cut: Position | null = null;
  for (const part of parts) {
    if (part.stoppedAt && (cut === null || compare(part.stoppedAt, cut) > 0)) cut = part.stoppedAt;
  }
  const merged = parts
    .flatMap((part) => part.records)
    .filter((record) => cut === null || compare(position(record), cut) <= 0)
    .sort((a, b) => compare(position(a), position(b)));
  const jobs = merged.slice(0, params.limit);
  const last = jobs[jobs.length - 1];
  if (merged.length > params.limit && last) return { jobs, cursor: last.id };
  return { jobs, cursor: cut === null ? null : jobId(cut.n, cut.queue) };
}
