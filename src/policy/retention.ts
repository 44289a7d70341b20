import { ConfigError } from "../errors.ts";
import { type Duration, toMs } from "./durations.ts";

/**
 * How long finished jobs are kept: a duration (`"1d"`), or `{ age, count }` to keep at
 * most `count` of them per queue as well. `0` removes a job as soon as it finishes.
 */
export type RetentionOptions = Duration | { age?: Duration; count?: number };

/** Retention in milliseconds and counts; `null` means no limit of that kind. */
export interface ResolvedRetention {
  ageMs: number | null;
  count: number | null;
}

/** Checks retention options; throws ConfigError naming the option. */
export function resolveRetention(
  value: RetentionOptions | undefined,
  fallback: Duration,
  what: string,
): ResolvedRetention {
  if (value === undefined) return { ageMs: toMs(fallback, what), count: null };
  if (typeof value === "number" || typeof value === "string")
    return { ageMs: toMs(value, what), count: null };
  if (typeof value !== "object" || value === null) {
    throw new ConfigError(`${what} must be a duration such as "1d" or { age, count }.`);
  }
  const ageMs = value.age === undefined ? null : toMs(value.age, `${what}.age`);
  const count = value.count === undefined ? null : value.count;
  if (count !== null && !(Number.isInteger(count) && count >= 0)) {
    throw new ConfigError(`${what}.count must be a whole number of jobs, 0 or more.`);
  }
  if (ageMs === null && count === null) {
    throw new ConfigError(`${what} needs an age, a count or both.`);
  }
  return { ageMs, count };
}

/** True when a finished job is to be deleted in the same step that finishes it. */
export function removeOnFinish(retention: ResolvedRetention): boolean {
  return retention.ageMs === 0 || retention.count === 0;
}

/** The finish time before which jobs are pruned, or null when age sets no limit. */
export function pruneBefore(retention: ResolvedRetention, now: number): number | null {
  return retention.ageMs === null ? null : now - retention.ageMs;
}
