import { occurrenceAfter, occurrenceFrom } from "./cron.ts";

/** How late an occurrence may fire before it counts as missed. */
export const MISFIRE_GRACE_MS = 60_000;

/**
 * A stored next run when the pattern has no further occurrence: far enough ahead never
 * to come due, and a safe integer in every store.
 */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** What a schedule is, as far as deciding a firing goes. */
export interface Firable {
  cron: string;
  tz: string;
  misfire: "runOnce" | "skip";
  /** The occurrence due to be fired. */
  nextRunAt: number;
}

/** The decision for one due occurrence. */
export interface FiringPlan {
  /** Whether to enqueue a job now. */
  enqueue: boolean;
  /** The occurrence to store as the next run. */
  nextRunAt: number;
  /** True when the occurrence (and any after it) was missed by more than the grace. */
  missed: boolean;
}

/**
 * Decides what to do with a schedule's due occurrence at `now`. On time (at most
 * `graceMs` late): enqueue it and move to the occurrence after it, so catching up after a
 * short pause fires each occurrence in turn. Missed (later than that): every occurrence
 * older than the grace is missed; `runOnce` enqueues one job for all of them, `skip`
 * none, and the schedule moves to the first occurrence that is not missed.
 */
export function planFiring(schedule: Firable, now: number, graceMs = MISFIRE_GRACE_MS): FiringPlan {
  const { cron, tz, nextRunAt } = schedule;
  if (now - nextRunAt <= graceMs) {
    return {
      enqueue: true,
      nextRunAt: occurrenceAfter(cron, tz, nextRunAt) ?? NEVER,
      missed: false,
    };
  }
  return {
    enqueue: schedule.misfire === "runOnce",
    nextRunAt: occurrenceFrom(cron, tz, now - graceMs) ?? NEVER,
    missed: true,
  };
}

/** The first occurrence a new schedule waits for: the first strictly after `now`. */
export function firstRun(cron: string, tz: string, now: number): number | null {
  return occurrenceAfter(cron, tz, now);
}
