import { ValidationError } from "../errors.ts";

/*
 * Bounds on when a job may be due. A runAt past year 9999 cannot be written as an ISO
 * date and some stores keep it while no clock ever reaches it, so the job never runs;
 * a delay of more than a century is a unit mistake, not a plan.
 */

/** The first instant a job may be due: 0001-01-01T00:00:00.000Z. */
// Written out: Date.UTC maps years 0 to 99 to 1900 to 1999.
export const MIN_RUN_AT_MS = -62_135_596_800_000;
/** The last instant a job may be due: 9999-12-31T23:59:59.999Z. */
export const MAX_RUN_AT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** The longest delay, debounce or throttle window: 100 years of 365.25 days. */
export const MAX_DELAY_MS = 100 * 365.25 * 86_400_000;

function invalid(message: string, what: string): never {
  throw new ValidationError(message, [{ message, path: [what] }]);
}

/** Throws ValidationError unless `ms` lies within years 0001 to 9999. */
export function checkRunAt(ms: number, what = "runAt"): number {
  if (!Number.isFinite(ms) || ms < MIN_RUN_AT_MS || ms > MAX_RUN_AT_MS) {
    invalid(`${what} must fall within the years 0001 to 9999.`, what);
  }
  return ms;
}

/** Throws ValidationError when a delay, debounce or throttle window exceeds 100 years. */
export function checkDelay(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms > MAX_DELAY_MS) {
    invalid(`${what} must be at most 100 years.`, what);
  }
  return ms;
}
