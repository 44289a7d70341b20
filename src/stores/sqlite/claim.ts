/*
 * The SQLite claim, run inside one IMMEDIATE transaction (sqlite-store.ts), so reading
 * counts, choosing jobs, leasing them, recording starts and moving the rotation cursors
 * is one atomic step: no other process can see room for the same last slot.
 *
 * Jobs of the claimed queues are bucketed by group (jobs without a group form the ""
 * bucket; a group spans the claimed queues) and buckets are served in turn (see
 * claim-rotation.ts). Within a bucket the order is priority, due time, enqueue order. A
 * job whose task (or task and group) is at a limit stays where it is, and the bucket
 * offers its next job of another task. See docs/flow-control.md.
 */
import type { ClaimedJob, ClaimParams, ClaimResult } from "../contract.ts";
import { type Bucket, compareHeads, type Head, Rotation } from "./claim-rotation.ts";
import { type ClaimRow, compareClaimOrder, toClaimedJob } from "./rows.ts";
import type { Statements } from "./statements.ts";

interface CursorRow {
  grp: string;
  served: number;
  used: number;
}

/**
 * The group keys with pending jobs in `queues` (null for jobs without a group). Forgets
 * the rotation cursors of buckets that have no pending job left.
 */
function liveGroups(sql: Statements, queues: string[]): Set<string | null> {
  const grps = new Set<string | null>();
  for (const queue of queues) {
    const live = (sql["claim-buckets"].all({ queue }) as { grp: string | null }[]).map(
      (r) => r.grp,
    );
    for (const grp of live) grps.add(grp);
    sql["drop-cursors"].run({ queue, live: JSON.stringify(live.map((g) => g ?? "")) });
  }
  return grps;
}

/** The buckets of these groups, with their place in the rotation. */
function buckets(sql: Statements, queues: string[], grps: Set<string | null>): Bucket[] {
  const rows = sql["claim-cursors"].all({ queues: JSON.stringify(queues) }) as CursorRow[];
  const cursors = new Map(rows.map((r) => [r.grp, r]));
  return [...grps].map((grp) => {
    const cursor = cursors.get(grp ?? "");
    return {
      grp,
      served: cursor?.served ?? 0,
      used: cursor?.used ?? 0,
      excluded: new Set(),
      takenFrom: new Set(),
    };
  });
}

/** When an idle worker should look again: the next scheduled job, block end or rate window. */
function nextDue(
  sql: Statements,
  queues: string[],
  now: number,
  rateRoomAt: number | null,
): number | null {
  const json = JSON.stringify(queues);
  const times = [
    (sql["next-due"].get({ queues: json, now }) as { at: number | null }).at,
    (sql["next-unblock"].get({ queues: json, now }) as { at: number | null }).at,
    rateRoomAt,
  ].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(0, Math.min(...times) - now);
}

/**
 * The claim without limits over jobs without groups: the first `limit` due jobs of each
 * queue in index order, merged into claim order, leased in one statement.
 */
function claimPlain(sql: Statements, params: ClaimParams, queues: string[], now: number) {
  const candidates = queues
    .flatMap((queue) => sql["claim-head-plain"].all({ queue, now, limit: params.limit }) as Head[])
    .sort(compareHeads)
    .slice(0, params.limit);
  if (candidates.length === 0) return [];
  const rows = sql.claim.all({
    ids: JSON.stringify(candidates.map((c) => c.id)),
    now,
    leaseMs: params.leaseMs,
    worker: params.workerId,
  }) as ClaimRow[];
  return rows.map(toClaimedJob);
}

/** Claims jobs as the contract says; call inside an IMMEDIATE transaction. */
export function claimJobs(sql: Statements, params: ClaimParams, now: number): ClaimResult {
  const paused = new Set((sql["paused-queues"].all() as { queue: string }[]).map((r) => r.queue));
  const queues = [...new Set(params.queues)].filter((q) => !paused.has(q));
  const grps = liveGroups(sql, queues);
  const hasLimits = Object.keys(params.limits ?? {}).length > 0;
  let jobs: ClaimedJob[] = [];
  let rateRoomAt: number | null = null;
  if (!hasLimits && grps.size === 1 && grps.has(null)) {
    jobs = claimPlain(sql, params, queues, now);
  } else if (grps.size > 0) {
    const rotation = new Rotation(sql, params, queues, now);
    jobs = rotation.run(buckets(sql, queues, grps));
    rateRoomAt = rotation.rateRoomAt;
  }
  jobs.sort(compareClaimOrder);
  const nextDueInMs = jobs.length < params.limit ? nextDue(sql, queues, now, rateRoomAt) : null;
  return { jobs, nextDueInMs };
}
