import type { RateLimit, TaskLimits } from "../contract.ts";
import type { Statements } from "./statements.ts";

/** Why a job may not start now: its task is full everywhere, or only in its group. */
export type LimitVerdict = "ok" | "task" | "group";

interface Window {
  n: number;
  oldest: number | null;
}

/**
 * The limits one claim keeps, counted inside its transaction: running jobs and recent
 * starts are read once per task (and group) from the store, then counted up in memory as
 * the claim takes jobs, so every job it takes is checked against everything taken before
 * it, in this claim and in every other process.
 */
export class ClaimLimits {
  private readonly active = new Map<string, number>();
  private readonly starts = new Map<string, Window>();
  private readonly pruned = new Set<string>();
  /** The earliest time a full rate window has room again, for the idle worker's wake-up. */
  rateRoomAt: number | null = null;

  constructor(
    private readonly sql: Statements,
    private readonly limits: Record<string, TaskLimits>,
    private readonly now: number,
  ) {}

  /** The rotation weight of a group bucket: the largest any task gives it, else 1. */
  weight(grp: string | null): number {
    if (grp === null) return 1;
    let weight = 1;
    for (const limits of Object.values(this.limits)) {
      weight = Math.max(weight, limits.groupWeights?.[grp] ?? 1);
    }
    return weight;
  }

  /** Whether a job of task `name` in group `grp` may start now. */
  check(name: string, grp: string | null): LimitVerdict {
    const limits = this.limits[name];
    if (!limits) return "ok";
    if (limits.concurrency !== undefined && this.activeOf(name, null) >= limits.concurrency)
      return "task";
    if (limits.rate && this.full(name, null, limits.rate)) return "task";
    if (grp === null) return "ok";
    if (
      limits.groupConcurrency !== undefined &&
      this.activeOf(name, grp) >= limits.groupConcurrency
    )
      return "group";
    if (limits.groupRate && this.full(name, grp, limits.groupRate)) return "group";
    return "ok";
  }

  /** Counts a job this claim took; records its start when its task has a rate limit. */
  took(name: string, grp: string | null): void {
    const limits = this.limits[name];
    if (!limits) return;
    this.bump(this.active, name, null);
    if (grp !== null) this.bump(this.active, name, grp);
    for (const scope of grp === null ? [null] : [null, grp]) {
      const window = this.starts.get(key(name, scope));
      if (window) window.n += 1;
    }
    if (limits.rate || limits.groupRate) {
      this.sql["record-start"].run({ name, grp, at: this.now });
    }
  }

  private bump(map: Map<string, number>, name: string, grp: string | null): void {
    const id = key(name, grp);
    if (map.has(id)) map.set(id, (map.get(id) as number) + 1);
  }

  private activeOf(name: string, grp: string | null): number {
    const id = key(name, grp);
    let n = this.active.get(id);
    if (n === undefined) {
      const row = (
        grp === null
          ? this.sql["count-active"].get({ name })
          : this.sql["count-active-group"].get({ name, grp })
      ) as { n: number };
      n = row.n;
      this.active.set(id, n);
    }
    return n;
  }

  private full(name: string, grp: string | null, rate: RateLimit): boolean {
    this.prune(name);
    const id = key(name, grp);
    let window = this.starts.get(id);
    if (!window) {
      const since = this.now - rate.perMs;
      window = (
        grp === null
          ? this.sql["count-starts"].get({ name, since })
          : this.sql["count-starts-group"].get({ name, grp, since })
      ) as Window;
      this.starts.set(id, window);
    }
    if (window.n < rate.max) return false;
    const roomAt = (window.oldest ?? this.now) + rate.perMs;
    this.rateRoomAt = this.rateRoomAt === null ? roomAt : Math.min(this.rateRoomAt, roomAt);
    return true;
  }

  /** Drops the task's start records older than its largest window, once per claim. */
  private prune(name: string): void {
    if (this.pruned.has(name)) return;
    this.pruned.add(name);
    const limits = this.limits[name];
    const widest = Math.max(limits?.rate?.perMs ?? 0, limits?.groupRate?.perMs ?? 0);
    this.sql["prune-starts"].run({ name, before: this.now - widest });
  }
}

function key(name: string, grp: string | null): string {
  return grp === null ? name : `${name}\u0000${grp}`;
}
