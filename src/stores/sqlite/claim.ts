/*
 * The SQLite claim, run inside one IMMEDIATE transaction (sqlite-store.ts), so reading
 * counts, choosing jobs, leasing them, recording starts and moving the rotation cursors
 * is one atomic step: no other process can see room for the same last slot.
 *
 * Jobs of the claimed queues are bucketed by group (jobs without a group form the ""
 * bucket; a group spans the claimed queues). Buckets are visited least recently served
 * first, each giving up to its weight in jobs per turn, turn after turn until the claim
 * is full. Within a bucket the order is priority, due time, enqueue order. A job whose
 * task (or task and group) is at a limit stays where it is and the bucket offers its next
 * job of another task. See docs/flow-control.md.
 */
import type { ClaimedJob, ClaimParams, ClaimResult } from "../contract.ts";
import { ClaimLimits } from "./claim-limits.ts";
import { type ClaimRow, compareClaimOrder, toClaimedJob } from "./rows.ts";
import type { Statements } from "./statements.ts";

interface Head {
  id: number;
  name: string;
  grp: string | null;
  priority: number;
  run_at: number;
}

interface Bucket {
  grp: string | null;
  served: number;
  /** Tasks whose group limit is full in this bucket. */
  excluded: Set<string>;
  /** Queues this claim took the bucket's jobs from, whose cursors move. */
  takenFrom: Set<string>;
}

/** Claim order: priority high to low, then due time, then enqueue order. */
function compareHeads(a: Head, b: Head): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

class Claim {
  private readonly limits: ClaimLimits;
  private readonly excluded = new Set<string>();

  constructor(
    private readonly sql: Statements,
    private readonly params: ClaimParams,
    private readonly queues: string[],
    private readonly now: number,
  ) {
    this.limits = new ClaimLimits(sql, params.limits ?? {}, now);
  }

  get rateRoomAt(): number | null {
    return this.limits.rateRoomAt;
  }

  /** Takes jobs round by round until the claim is full or no bucket has more to give. */
  run(buckets: Bucket[]): ClaimedJob[] {
    const taken: ClaimedJob[] = [];
    let seq = (this.sql["last-served"].get() as { served: number }).served;
    let round = this.order(buckets);
    while (taken.length < this.params.limit && round.length > 0) {
      const again: Bucket[] = [];
      for (const bucket of round) {
        const want = Math.min(this.limits.weight(bucket.grp), this.params.limit - taken.length);
        if (want === 0) break;
        let got = 0;
        while (got < want) {
          const job = this.next(bucket);
          if (job === null) break;
          taken.push(job);
          got += 1;
        }
        if (got > 0) bucket.served = ++seq;
        if (got === want) again.push(bucket);
      }
      round = again;
    }
    for (const bucket of buckets) {
      for (const queue of bucket.takenFrom) {
        this.sql["set-cursor"].run({ queue, grp: bucket.grp ?? "", served: bucket.served });
      }
    }
    return taken;
  }

  /** Least recently served first; buckets never served go by their first job's claim order. */
  private order(buckets: Bucket[]): Bucket[] {
    const fresh = buckets
      .filter((b) => b.served === 0)
      .map((bucket) => ({ bucket, head: this.head(bucket) }))
      .filter((f): f is { bucket: Bucket; head: Head } => f.head !== null)
      .sort((a, b) => compareHeads(a.head, b.head))
      .map((f) => f.bucket);
    const served = buckets.filter((b) => b.served > 0).sort((a, b) => a.served - b.served);
    return [...fresh, ...served];
  }

  /** The bucket's first job in claim order across the claimed queues, within the limits so far. */
  private head(bucket: Bucket): Head | null {
    const excluded = JSON.stringify([...this.excluded, ...bucket.excluded]);
    let best: Head | null = null;
    for (const queue of this.queues) {
      const head = this.sql["claim-head"].get({
        queue,
        grp: bucket.grp,
        now: this.now,
        excluded,
      }) as Head | undefined;
      if (head && (best === null || compareHeads(head, best) < 0)) best = head;
    }
    return best;
  }

  /** Leases the bucket's next job that its limits let start, or returns null. */
  private next(bucket: Bucket): ClaimedJob | null {
    for (;;) {
      const head = this.head(bucket);
      if (head === null) return null;
      const verdict = this.limits.check(head.name, head.grp);
      if (verdict === "task") this.excluded.add(head.name);
      else if (verdict === "group") bucket.excluded.add(head.name);
      else {
        const row = this.sql["claim-take"].get({
          id: head.id,
          now: this.now,
          leaseMs: this.params.leaseMs,
          worker: this.params.workerId,
        }) as ClaimRow;
        this.limits.took(head.name, head.grp);
        bucket.takenFrom.add(row.queue);
        return toClaimedJob(row);
      }
    }
  }
}

/** The group buckets with pending jobs in `queues`, with when each was last served. */
function findBuckets(sql: Statements, queues: string[]): Bucket[] {
  const grps = new Set<string | null>();
  for (const queue of queues) {
    const live = (sql["claim-buckets"].all({ queue }) as { grp: string | null }[]).map(
      (r) => r.grp,
    );
    for (const grp of live) grps.add(grp);
    sql["drop-cursors"].run({ queue, live: JSON.stringify(live.map((g) => g ?? "")) });
  }
  const served = new Map(
    (
      sql["claim-cursors"].all({ queues: JSON.stringify(queues) }) as {
        grp: string;
        served: number;
      }[]
    ).map((r) => [r.grp, r.served]),
  );
  return [...grps].map((grp) => ({
    grp,
    served: served.get(grp ?? "") ?? 0,
    excluded: new Set(),
    takenFrom: new Set(),
  }));
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

/** Claims jobs as the contract says; call inside an IMMEDIATE transaction. */
export function claimJobs(sql: Statements, params: ClaimParams, now: number): ClaimResult {
  const paused = new Set((sql["paused-queues"].all() as { queue: string }[]).map((r) => r.queue));
  const queues = [...new Set(params.queues)].filter((q) => !paused.has(q));
  const buckets = findBuckets(sql, queues);
  const hasLimits = Object.keys(params.limits ?? {}).length > 0;
  let jobs: ClaimedJob[];
  let rateRoomAt: number | null = null;
  if (buckets.length === 0) jobs = [];
  else if (!hasLimits && buckets.length === 1 && buckets[0]?.grp === null) {
    const rows = sql.claim.all({
      queues: JSON.stringify(queues),
      limit: params.limit,
      now,
      leaseMs: params.leaseMs,
      worker: params.workerId,
    }) as ClaimRow[];
    jobs = rows.map(toClaimedJob);
  } else {
    const claim = new Claim(sql, params, queues, now);
    jobs = claim.run(buckets);
    rateRoomAt = claim.rateRoomAt;
  }
  jobs.sort(compareClaimOrder);
  const nextDueInMs = jobs.length < params.limit ? nextDue(sql, queues, now, rateRoomAt) : null;
  return { jobs, nextDueInMs };
}
