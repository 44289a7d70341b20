/*
 * The flow claim: the claim for queues where flow control is in play (limits passed by the
 * worker, grouped jobs pending, a paused or blocked task). One transaction: it first takes
 * an advisory lock per claimed queue (claim-lock.sql), so reading counts, choosing jobs,
 * leasing them, recording starts and moving the rotation cursors is one atomic step
 * against every other flow claim of those queues. See docs/flow-control.md for the
 * semantics and docs/postgres.md for how the statements read the indexes.
 */
import type { ClaimParams, ClaimResult, TaskLimits } from "../contract.ts";
import { ClaimLimits, type Counts, type GroupPair } from "./claim-limits.ts";
import { type Bucket, type FillFn, type Head, Rotation } from "./claim-rotation.ts";
import type { Queryable } from "./pg-client.ts";
import type { Statements } from "./prepared.ts";
import { type ClaimRow, compareClaimOrder, toClaimedJob } from "./rows.ts";

type Big = string | number;

interface StateRow {
  open: string[];
  paused: string[];
  blocks: { queue: string; name: string; grp: string }[];
  buckets: { grp: string | null; served: Big; used: Big }[];
  tasks: ({ name: string } & CountsRow)[];
  next_at: Big | null;
}

interface HeadRow {
  bucket: number;
  id: Big;
  name: string;
  grp: string | null;
  priority: Big;
  run_at: Big;
  queue: string;
}

/** What a flow claim found, besides its jobs: whether flow control is still in play. */
export interface FlowClaim {
  result: ClaimResult;
  /** False when the queues have no grouped job pending and no paused or blocked task. */
  inPlay: boolean;
}

interface CountsRow {
  active: Big;
  starts: Big;
  oldest: Big | null;
}

function toCounts(row: CountsRow): Counts {
  return {
    active: Number(row.active),
    starts: Number(row.starts),
    oldest: row.oldest === null ? null : Number(row.oldest),
  };
}

function toBucket(row: StateRow["buckets"][number]): Bucket {
  return {
    grp: row.grp,
    served: Number(row.served),
    used: Number(row.used),
    ended: null,
    excluded: new Set(),
    takenFrom: new Set(),
    heads: [],
    more: true,
  };
}

/** One flow claim's statements, all on the client of its transaction. */
class FlowClaimRun {
  private limits!: ClaimLimits;
  private rotation!: Rotation;
  private state!: StateRow;

  constructor(
    private readonly db: Queryable,
    private readonly statements: Statements,
    private readonly params: ClaimParams,
    private readonly now: number,
  ) {}

  async run(): Promise<FlowClaim> {
    const limits = this.params.limits ?? {};
    const state = (this.state = await this.readState(limits));
    const tasks = state.tasks.map(({ name, ...counts }) => ({ name, ...toCounts(counts) }));
    this.limits = new ClaimLimits(limits, this.now, tasks);
    this.rotation = new Rotation(this.limits, this.params.limit, this.fill);
    // Tasks already full need not be read at all.
    for (const { name } of tasks) {
      if (this.limits.check(name, null) === "task") this.rotation.excluded.add(name);
    }
    const buckets = state.buckets.map(toBucket);
    const chosen =
      buckets.length > 0 && this.params.limit > 0 ? await this.rotation.run(buckets) : [];
    const rows = chosen.length > 0 ? await this.lease(chosen, buckets) : [];
    const jobs = rows.map(toClaimedJob).sort(compareClaimOrder);
    return {
      result: { jobs, nextDueInMs: this.nextDue(jobs.length, chosen.length) },
      inPlay:
        state.paused.length > 0 || state.blocks.length > 0 || buckets.some((b) => b.grp !== null),
    };
  }

  private async readState(limits: Record<string, TaskLimits>): Promise<StateRow> {
    const names = Object.keys(limits);
    const { rows } = await this.statements.query<StateRow>(this.db, "claim-state", [
      [...new Set(this.params.queues)],
      this.now,
      names,
      names.map((n) => limits[n]?.rate?.perMs ?? null),
      names.map((n) => {
        const widest = Math.max(limits[n]?.rate?.perMs ?? 0, limits[n]?.groupRate?.perMs ?? 0);
        return widest > 0 ? widest : null;
      }),
    ]);
    return rows[0] as StateRow;
  }

  /** Reads heads for buckets, and the group counts their jobs need. */
  private readonly fill: FillFn = async (buckets, size) => {
    const { open, paused, blocks } = this.state;
    const taskBlocks = blocks.filter((b) => b.grp === "");
    const groupSkips = [
      ...blocks.filter((b) => b.grp !== ""),
      // A task at its group limit in a bucket is skipped in every queue of that bucket.
      ...buckets.flatMap((b) =>
        [...b.excluded].flatMap((name) =>
          open.map((queue) => ({ queue, name, grp: b.grp as string })),
        ),
      ),
    ];
    const { rows } = await this.statements.query<HeadRow>(this.db, "claim-heads", [
      open,
      buckets.map((b) => b.grp),
      size,
      [...new Set([...paused, ...this.rotation.excluded])],
      taskBlocks.map((b) => b.queue),
      taskBlocks.map((b) => b.name),
      groupSkips.map((s) => s.queue),
      groupSkips.map((s) => s.name),
      groupSkips.map((s) => s.grp),
      this.rotation.chosenIds,
      this.now,
    ]);
    const read = buckets.map(() => 0);
    const heads = rows.map((row) => {
      const head: Head = {
        id: String(row.id),
        name: row.name,
        grp: row.grp,
        priority: Number(row.priority),
        runAt: Number(row.run_at),
        queue: row.queue,
      };
      const slot = row.bucket - 1;
      (buckets[slot] as Bucket).heads.push(head);
      read[slot] = (read[slot] as number) + 1;
      return head;
    });
    buckets.forEach((b, i) => (b.more = read[i] === size));
    await this.readGroupCounts(this.limits.missingPairs(heads));
  };

  private async readGroupCounts(pairs: GroupPair[]): Promise<void> {
    if (pairs.length === 0) return;
    const { rows } = await this.statements.query<{
      ord: number;
      active: Big;
      starts: Big;
      oldest: Big | null;
    }>(this.db, "claim-group-counts", [
      pairs.map((p) => p.name),
      pairs.map((p) => p.grp),
      pairs.map((p) => p.perMs),
      this.now,
    ]);
    for (const row of rows)
      this.limits.addGroupCounts(pairs[row.ord - 1] as GroupPair, toCounts(row));
  }

  /** Leases the chosen jobs, records rate-limited starts and moves the buckets' cursors. */
  private async lease(chosen: Head[], buckets: Bucket[]): Promise<ClaimRow[]> {
    const cursors = buckets.flatMap((b) =>
      [...b.takenFrom].map((queue) => ({ queue, grp: b.grp ?? "", b })),
    );
    const { rows } = await this.statements.query<ClaimRow>(this.db, "claim-lease", [
      chosen.map((h) => h.id),
      this.now,
      Math.round(this.params.leaseMs),
      this.params.workerId,
      this.limits.ratedTasks(),
      cursors.map((c) => c.queue),
      cursors.map((c) => c.grp),
      cursors.map((c) => c.b.ended),
      cursors.map((c) => c.b.served),
      cursors.map((c) => c.b.used),
    ]);
    return rows;
  }

  /**
   * When the claim came up short: at once if a chosen job was taken by someone else
   * meanwhile, else when the next delayed job is due, a block ends or a full rate window
   * has room. Due jobs held back by a pause, a block or a limit do not count: waking for
   * them would spin.
   */
  private nextDue(leased: number, chosen: number): number | null {
    if (leased >= this.params.limit) return null;
    if (leased < chosen) return 0;
    const times = [this.state.next_at, this.limits.rateRoomAt]
      .filter((t): t is Big => t !== null)
      .map(Number);
    return times.length === 0 ? null : Math.max(0, Math.min(...times) - this.now);
  }
}

/**
 * Runs a flow claim on `db`, which must be inside a transaction that ends right after (the
 * locks are transaction-scoped).
 */
export async function claimWithFlow(
  db: Queryable,
  statements: Statements,
  schema: string,
  params: ClaimParams,
): Promise<FlowClaim> {
  const queues = [...new Set(params.queues)];
  const { rows } = await statements.query<{ now: Big }>(db, "claim-lock", [
    schema,
    queues,
    params.now === undefined ? null : Math.round(params.now),
  ]);
  const now = Number(rows[0]?.now);
  return new FlowClaimRun(db, statements, { ...params, queues }, now).run();
}
