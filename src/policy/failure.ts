import { RetryAfterError, UnrecoverableError, ValidationError } from "../errors.ts";
import type { JobError } from "../job.ts";
import { backoffDelay, type ResolvedBackoff } from "./backoff.ts";
import { toMs } from "./durations.ts";

/** What to do with a job whose attempt failed. */
export type FailureDecision = { kind: "retry"; delayMs: number } | { kind: "dead" };

/** The attempt's facts that the decision needs. */
export interface FailedAttempt {
  /** Starts so far, this one included. */
  attempt: number;
  /** Starts lost to worker crashes, which spend no try. */
  stalls: number;
  attempts: number;
  backoff: ResolvedBackoff;
}

/**
 * Retry or dead-letter: dead when the error is unrecoverable (or a payload that no
 * longer fits the schema) or the tries are used up; otherwise retry after the delay a
 * RetryAfterError asks for, or the task's backoff.
 */
export function decideFailure(
  error: unknown,
  at: FailedAttempt,
  random: () => number = Math.random,
): FailureDecision {
  if (error instanceof UnrecoverableError || error instanceof ValidationError)
    return { kind: "dead" };
  const tries = Math.max(1, at.attempt - at.stalls);
  if (tries >= at.attempts) return { kind: "dead" };
  if (error instanceof RetryAfterError) {
    const delayMs = retryAfterMs(error);
    if (delayMs !== null) return { kind: "retry", delayMs };
  }
  return { kind: "retry", delayMs: backoffDelay(at.backoff, tries, error, random) };
}

function retryAfterMs(error: RetryAfterError): number | null {
  try {
    return toMs(error.retryAfter, "RetryAfterError's delay");
  } catch {
    return null;
  }
}

/** A thrown value as stored with the job: name, message, stack and code. */
export function serializeError(error: unknown): JobError {
  if (error instanceof Error) {
    const stored: JobError = { name: error.name, message: error.message };
    if (error.stack !== undefined) stored.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") stored.code = code;
    return stored;
  }
  return {
    name: "Error",
    message: typeof error === "string" ? error : `Non-error thrown: ${safeString(error)}`,
  };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
