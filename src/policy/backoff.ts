import { ConfigError } from "../errors.ts";
import { type Duration, toMs } from "./durations.ts";

/** Computes the delay before the next attempt from the attempt that failed (1-based). */
export type BackoffFn = (attempt: number, error: unknown) => Duration;

/** How long to wait between tries. */
export type BackoffOptions =
  | BackoffFn
  | {
      /** `"fixed"`: always `delay`. `"exponential"`: `delay * 2^(attempt-1)`. */
      type: "fixed" | "exponential";
      /** The base delay. Default `"1s"`. */
      delay?: Duration;
      /** The cap on any one delay. Default: none. */
      max?: Duration;
      /**
       * Randomises each delay to spread retries of many jobs apart. `true` picks a delay
       * between half and all of the computed one; a number from 0 to 1 sets the fraction
       * that may be taken off. Default `false`.
       */
      jitter?: boolean | number;
    };

/** Backoff options checked and converted to milliseconds. */
export type ResolvedBackoff =
  | { kind: "fn"; fn: BackoffFn }
  | { kind: "fixed" | "exponential"; delayMs: number; maxMs: number; jitter: number };

/** The default: exponential from one second, capped at one hour, with jitter. */
export const DEFAULT_BACKOFF: ResolvedBackoff = {
  kind: "exponential",
  delayMs: 1_000,
  maxMs: 3_600_000,
  jitter: 0.5,
};

/** Checks backoff options; throws ConfigError naming the bad field. */
export function resolveBackoff(
  options: BackoffOptions | undefined,
  where: string,
): ResolvedBackoff {
  if (options === undefined) return DEFAULT_BACKOFF;
  if (typeof options === "function") return { kind: "fn", fn: options };
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(
      `${where}: backoff must be an object such as { type: "exponential", delay: "1s" } or a function.`,
    );
  }
  if (options.type !== "fixed" && options.type !== "exponential") {
    throw new ConfigError(
      `${where}: unknown backoff type ${JSON.stringify(options.type)}; use "fixed", "exponential" or a function (attempt, error) => delay.`,
    );
  }
  const delayMs = toMs(options.delay ?? 1_000, `${where}: backoff.delay`);
  const maxMs =
    options.max === undefined
      ? Number.POSITIVE_INFINITY
      : toMs(options.max, `${where}: backoff.max`);
  const jitter =
    options.jitter === true
      ? 0.5
      : options.jitter === false || options.jitter === undefined
        ? 0
        : options.jitter;
  if (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1)) {
    throw new ConfigError(`${where}: backoff.jitter must be true, false or a number from 0 to 1.`);
  }
  return { kind: options.type, delayMs, maxMs, jitter };
}

/**
 * The delay in milliseconds before the try that follows failed attempt `attempt`
 * (1-based). `random` is injectable so tests can pin jitter.
 */
export function backoffDelay(
  policy: ResolvedBackoff,
  attempt: number,
  error: unknown,
  random: () => number = Math.random,
): number {
  if (policy.kind === "fn") {
    return toMs(policy.fn(attempt, error), "the backoff function's result");
  }
  const base =
    policy.kind === "fixed" ? policy.delayMs : policy.delayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(base, policy.maxMs);
  return Math.round(capped * (1 - policy.jitter * random()));
}
