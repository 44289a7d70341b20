import { Cron } from "croner";

/**
 * Cron arithmetic, delegated to croner: five fields, or six with seconds first, in an
 * IANA time zone. Croner decides what happens around daylight-saving changes (see
 * docs/schedules.md); this module only asks it for occurrences.
 */

const cache = new Map<string, Cron>();

/**
 * The parsed pattern for `cron` in `tz`. Throws croner's error for a bad pattern; a bad
 * zone is caught by {@link checkTimeZone}, since croner only notices it when computing.
 */
function pattern(cron: string, tz: string): Cron {
  const id = `${tz}\u0000${cron}`;
  let parsed = cache.get(id);
  if (!parsed) {
    // No callback: croner only computes, it starts no timer.
    parsed = new Cron(cron, { timezone: tz, mode: "5-or-6-parts" });
    if (cache.size >= 1_000) cache.clear();
    cache.set(id, parsed);
  }
  return parsed;
}

/** Throws a RangeError unless `tz` is an IANA time zone this runtime knows. */
export function checkTimeZone(tz: string): void {
  new Intl.DateTimeFormat("en-US", { timeZone: tz });
}

/** Throws unless `cron` parses (five or six fields, croner's syntax) in zone `tz`. */
export function checkCron(cron: string, tz: string): void {
  checkTimeZone(tz);
  pattern(cron, tz);
}

/** The first occurrence strictly after `after` (ms since the epoch), or null when there is none. */
export function occurrenceAfter(cron: string, tz: string, after: number): number | null {
  return pattern(cron, tz).nextRun(new Date(after))?.getTime() ?? null;
}

/** The first occurrence at or after `from`, or null when there is none. */
export function occurrenceFrom(cron: string, tz: string, from: number): number | null {
  return occurrenceAfter(cron, tz, from - 1);
}
