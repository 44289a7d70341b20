import type { ClaimLimits } from "./claim-limits.ts";

/** A due job a flow claim may choose: a row of claim-heads.sql. */
export interface Head {
  id: string;
  name: string;
  grp: string | null;
  priority: number;
  runAt: number;
  queue: string;
}

/** Claim order: priority high to low, then due time, then enqueue order. */
export function compareHeads(a: Head, b: Head): number {
  return b.priority - a.priority || a.runAt - b.runAt || Number(a.id) - Number(b.id);
}

/** Jobs of one group (or of no group) across the claimed queues, and its place in the rotation. */
export interface Bucket {
  grp: string | null;
  /** When its last turn ended (a rotation_turns value; 0 = never). */
  served: number;
  /** Jobs taken in its current turn, when a full claim cut the turn short. */
  used: number;
  /** The n-th turn that ended in this claim, or null while its turn goes on. */
  ended: number | null;
  /** Tasks whose group limit is full in this bucket. */
  excluded: Set<string>;
  /** Queues this claim took the bucket's jobs from, whose cursors move. */
  takenFrom: Set<string>;
  /** Its next due jobs in claim order, as read so far. */
  heads: Head[];
  /** Whether the store may hold more of its due jobs than `heads`. */
  more: boolean;
}

/** Reads up to `size` more heads for each of these buckets (claim-heads.sql). */
export type FillFn = (buckets: Bucket[], size: number) => Promise<void>;

/** Extra heads read per bucket beyond its turn, so a job skipped for a limit rarely costs a read. */
const SLACK = 4;

/**
 * One claim's walk through the group buckets: least recently served first, each giving up
 * to its weight in jobs per turn, turn after turn until the claim is full. A turn cut short
 * by a full claim goes on in the next claim, so weights hold for workers that claim one job
 * at a time. Heads are read in batches for the buckets a round is about to visit, and read
 * again for a bucket only when limits made it skip all it had. It only chooses: the claim
 * leases what it chose afterwards, in one statement.
 */
export class Rotation {
  /** Tasks whose task-wide limit is full. */
  readonly excluded = new Set<string>();
  private readonly taken: Head[] = [];
  private turns = 0;

  constructor(
    private readonly limits: ClaimLimits,
    private readonly limit: number,
    private readonly fill: FillFn,
  ) {}

  /** Ids chosen so far; heads read later leave them out. */
  get chosenIds(): string[] {
    return this.taken.map((h) => h.id);
  }

  /** Chooses jobs round by round until the claim is full or no bucket has more to give. */
  async run(buckets: Bucket[]): Promise<Head[]> {
    let round = await this.order(buckets);
    while (this.taken.length < this.limit && round.length > 0) {
      const again: Bucket[] = [];
      for (let i = 0; i < round.length; i++) {
        const bucket = round[i] as Bucket;
        const room = this.limit - this.taken.length;
        if (room === 0) break;
        const weight = this.limits.weight(bucket.grp);
        const want = Math.min(Math.max(1, weight - bucket.used), room);
        const got = await this.take(bucket, want, round.slice(i));
        if (got === 0) continue;
        bucket.used += got;
        // The turn ends when the bucket had its weight or ran dry; a full claim only pauses it.
        if (bucket.used >= weight || got < want) {
          bucket.ended = ++this.turns;
          bucket.used = 0;
          if (got === want) again.push(bucket);
        }
      }
      round = again;
    }
    return this.taken;
  }

  /**
   * A turn cut short by the last claim goes on first; then least recently served first;
   * buckets never served go by their first job's claim order.
   */
  private async order(buckets: Bucket[]): Promise<Bucket[]> {
    const bySeq = (a: Bucket, b: Bucket): number => a.served - b.served;
    const midTurn = buckets.filter((b) => b.used > 0).sort(bySeq);
    const fresh = buckets.filter((b) => b.served === 0 && b.used === 0);
    await this.read(fresh);
    const ordered = fresh
      .filter((b) => b.heads.length > 0)
      .sort((a, b) => compareHeads(a.heads[0] as Head, b.heads[0] as Head));
    const served = buckets.filter((b) => b.served > 0 && b.used === 0).sort(bySeq);
    return [...midTurn, ...ordered, ...served];
  }

  /**
   * Reads heads for these buckets: as many as the largest of their turns, plus some slack,
   * never more than the claim has room for.
   */
  private async read(buckets: Bucket[]): Promise<void> {
    if (buckets.length === 0) return;
    const turn = Math.max(...buckets.map((b) => Math.max(1, this.limits.weight(b.grp) - b.used)));
    const room = Math.max(1, this.limit - this.taken.length);
    await this.fill(buckets, Math.min(room, turn + SLACK));
  }

  /** Takes up to `want` jobs from the first bucket of `upcoming`; returns how many. */
  private async take(bucket: Bucket, want: number, upcoming: Bucket[]): Promise<number> {
    let got = 0;
    while (got < want) {
      const head = await this.next(bucket, upcoming);
      if (head === null) break;
      this.taken.push(head);
      got += 1;
    }
    return got;
  }

  /** The bucket's next job that its limits let start, or null when it has none. */
  private async next(bucket: Bucket, upcoming: Bucket[]): Promise<Head | null> {
    for (;;) {
      if (bucket.heads.length === 0) {
        if (!bucket.more) return null;
        await this.refill(upcoming);
        continue;
      }
      const head = bucket.heads.shift() as Head;
      if (this.excluded.has(head.name) || bucket.excluded.has(head.name)) continue;
      const verdict = this.limits.check(head.name, head.grp);
      if (verdict === "task") this.excluded.add(head.name);
      else if (verdict === "group") bucket.excluded.add(head.name);
      else {
        this.limits.took(head.name, head.grp);
        bucket.takenFrom.add(head.queue);
        return head;
      }
    }
  }

  /**
   * Reads heads for the bucket at the front of `upcoming` and, in the same read, for the
   * buckets after it in this round that have run out too, as many as the claim has room for.
   */
  private async refill(upcoming: Bucket[]): Promise<void> {
    const room = this.limit - this.taken.length;
    const empty = upcoming.filter((b) => b.heads.length === 0 && b.more).slice(0, room);
    await this.read(empty);
  }
}
