import type { RateLimit, TaskLimits } from "../contract.ts";

/** Why a job may not start now: its task is full everywhere, or only in its group. */
export type LimitVerdict = "ok" | "task" | "group";

/** Running jobs and recent starts of a task (or of one group of it), as read by the claim. */
export interface Counts {
  active: number;
  /** Starts within the rate window. */
  starts: number;
  /** The oldest of those starts, or null. */
  oldest: number | null;
}

/** A (task, group) pair whose counts a claim needs before it can check a job. */
export interface GroupPair {
  name: string;
  grp: string;
  /** The task's group rate window, or null when it has no group rate limit. */
  perMs: number | null;
}

/**
 * The limits one flow claim keeps, counted inside its transaction under its locks. The
 * store's counts are read in batches (every limited task when the claim starts, each
 * (task, group) pair the first time a job of it comes up) and then counted up in memory
 * as the claim chooses jobs, so every job is checked against everything running or
 * started before it, in this claim and in every other process.
 */
export class ClaimLimits {
  private readonly counts = new Map<string, Counts>();
  /** The earliest time a full rate window has room again, for the idle worker's wake-up. */
  rateRoomAt: number | null = null;

  constructor(
    private readonly limits: Record<string, TaskLimits>,
    private readonly now: number,
    tasks: Iterable<Counts & { name: string }>,
  ) {
    for (const { name, ...counts } of tasks) this.counts.set(key(name, null), counts);
  }

  /** The rotation weight of a group bucket: the largest any task gives it, else 1. */
  weight(grp: string | null): number {
    if (grp === null) return 1;
    let weight = 1;
    for (const limits of Object.values(this.limits)) {
      weight = Math.max(weight, limits.groupWeights?.[grp] ?? 1);
    }
    return weight;
  }

  /** Tasks that have a rate limit of either kind: their starts are recorded. */
  ratedTasks(): string[] {
    return Object.entries(this.limits)
      .filter(([, l]) => l.rate !== undefined || l.groupRate !== undefined)
      .map(([name]) => name);
  }

  /** The pairs among these jobs whose group counts are still to be read. */
  missingPairs(jobs: Iterable<{ name: string; grp: string | null }>): GroupPair[] {
    const pairs = new Map<string, GroupPair>();
    for (const { name, grp } of jobs) {
      const limits = this.limits[name];
      if (grp === null || !limits) continue;
      if (limits.groupConcurrency === undefined && !limits.groupRate) continue;
      const id = key(name, grp);
      if (this.counts.has(id) || pairs.has(id)) continue;
      pairs.set(id, { name, grp, perMs: limits.groupRate?.perMs ?? null });
    }
    return [...pairs.values()];
  }

  /** Stores group counts read from the store. */
  addGroupCounts(pair: GroupPair, counts: Counts): void {
    this.counts.set(key(pair.name, pair.grp), counts);
  }

  /** Whether a job of task `name` in group `grp` may start now. */
  check(name: string, grp: string | null): LimitVerdict {
    const limits = this.limits[name];
    if (!limits) return "ok";
    if (this.full(name, null, limits.concurrency, limits.rate)) return "task";
    if (grp === null) return "ok";
    return this.full(name, grp, limits.groupConcurrency, limits.groupRate) ? "group" : "ok";
  }

  /** Counts a job this claim chose. */
  took(name: string, grp: string | null): void {
    if (!this.limits[name]) return;
    for (const scope of grp === null ? [null] : [null, grp]) {
      const counts = this.counts.get(key(name, scope));
      if (counts) {
        counts.active += 1;
        counts.starts += 1;
      }
    }
  }

  private full(
    name: string,
    grp: string | null,
    concurrency: number | undefined,
    rate: RateLimit | undefined,
  ): boolean {
    if (concurrency === undefined && !rate) return false;
    const counts = this.counts.get(key(name, grp));
    if (!counts)
      throw new Error(`The claim read no counts for task "${name}" (${grp ?? "any group"}).`);
    if (concurrency !== undefined && counts.active >= concurrency) return true;
    if (!rate || counts.starts < rate.max) return false;
    const roomAt = (counts.oldest ?? this.now) + rate.perMs;
    this.rateRoomAt = this.rateRoomAt === null ? roomAt : Math.min(this.rateRoomAt, roomAt);
    return true;
  }
}

function key(name: string, grp: string | null): string {
  return grp === null ? name : `${name}\u0000${grp}`;
}
