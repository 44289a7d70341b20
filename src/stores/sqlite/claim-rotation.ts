import type { ClaimedJob, ClaimParams } from "../contract.ts";
import { ClaimLimits } from "./claim-limits.ts";
import { type ClaimRow, toClaimedJob } from "./rows.ts";
import type { Statements } from "./statements.ts";

/** Jobs of one group (or of no group) across the claimed queues, and its place in the rotation. */
export interface Bucket {
  grp: string | null;
  /** When its last turn ended (a rotation sequence value; 0 = never). */
  served: number;
  /** Jobs taken in its current turn, when a full claim cut the turn short. */
  used: number;
  /** Tasks whose group limit is full in this bucket. */
  excluded: Set<string>;
  /** Queues this claim took the bucket's jobs from, whose cursors move. */
  takenFrom: Set<string>;
}

/** A row of claim-head.sql: a job a claim may take. */
export interface Head {
  id: number;
  name: string;
  grp: string | null;
  priority: number;
  run_at: number;
}

/** Claim order: priority high to low, then due time, then enqueue order. */
export function compareHeads(a: Head, b: Head): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

/**
 * One claim's walk through the group buckets: least recently served first, each giving
 * up to its weight in jobs per turn, turn after turn until the claim is full. A turn cut
 * short by a full claim goes on in the next claim, so weights hold for workers that claim
 * one job at a time. Runs inside claim's transaction.
 */
export class Rotation {
  private readonly limits: ClaimLimits;
  /** Tasks whose task-wide limit is full. */
  private readonly excluded = new Set<string>();

  constructor(
    private readonly sql: Statements,
    private readonly params: ClaimParams,
    private readonly queues: string[],
    private readonly now: number,
  ) {
    this.limits = new ClaimLimits(sql, params.limits ?? {}, now);
  }

  /** The earliest time a full rate window has room again, or null. */
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
        const room = this.params.limit - taken.length;
        if (room === 0) break;
        const weight = this.limits.weight(bucket.grp);
        const want = Math.min(Math.max(1, weight - bucket.used), room);
        const got = this.take(bucket, want, taken);
        if (got === 0) continue;
        bucket.used += got;
        // The turn ends when the bucket had its weight or ran dry; a full claim only pauses it.
        if (bucket.used >= weight || got < want) {
          bucket.served = ++seq;
          bucket.used = 0;
          if (got === want) again.push(bucket);
        }
      }
      round = again;
    }
    for (const { grp, served, used, takenFrom } of buckets) {
      for (const queue of takenFrom) {
        this.sql["set-cursor"].run({ queue, grp: grp ?? "", served, used });
      }
    }
    return taken;
  }

  /**
   * A turn cut short by the last claim goes on first; then least recently served first;
   * buckets never served go by their first job's claim order.
   */
  private order(buckets: Bucket[]): Bucket[] {
    const bySeq = (a: Bucket, b: Bucket): number => a.served - b.served;
    const midTurn = buckets.filter((b) => b.used > 0).sort(bySeq);
    const fresh = buckets
      .filter((b) => b.served === 0 && b.used === 0)
      .map((bucket) => ({ bucket, head: this.head(bucket) }))
      .filter((f): f is { bucket: Bucket; head: Head } => f.head !== null)
      .sort((a, b) => compareHeads(a.head, b.head))
      .map((f) => f.bucket);
    const served = buckets.filter((b) => b.served > 0 && b.used === 0).sort(bySeq);
    return [...midTurn, ...fresh, ...served];
  }

  /** Takes up to `want` jobs from the bucket into `taken`; returns how many. */
  private take(bucket: Bucket, want: number, taken: ClaimedJob[]): number {
    let got = 0;
    while (got < want) {
      const job = this.next(bucket);
      if (job === null) break;
      taken.push(job);
      got += 1;
    }
    return got;
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
        limit: 1,
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
        const row = this.sql.claim.get({
          ids: JSON.stringify([head.id]),
          now: this.now,
          leaseMs: this.params.leaseMs,
          worker: this.params.workerId,
        }) as ClaimRow;
        this.limits.took(head.name, head.grp);
        const job = toClaimedJob(row);
        bucket.takenFrom.add(job.queue);
        return job;
      }
    }
  }
}
