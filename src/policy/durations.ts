import { ConfigError } from "../errors.ts";

/** A length of time: milliseconds, or a string such as `"250ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * Converts a duration to whole milliseconds. `what` names the option in the error
 * message, so a user learns which setting to fix. Throws a ConfigError (or the error
 * made by `makeError`) on anything that is not a finite, non-negative duration.
 */
export function toMs(
  value: Duration,
  what: string,
  makeError: (message: string) => Error = (m) => new ConfigError(m),
): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw makeError(
        `${what} must be a non-negative number of milliseconds, got ${String(value)}.`,
      );
    }
    return Math.round(value);
  }
  if (typeof value === "string") {
    const match = PATTERN.exec(value.trim());
    if (match) {
      // A string of many digits parses to Infinity, which no store can hold.
      const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw makeError(
    `${what} must be milliseconds or a duration such as "250ms", "30s", "5m", "2h" or "7d", got ${JSON.stringify(value)}.`,
  );
}
