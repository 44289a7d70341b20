/** Stable codes carried by every {@link ErrandError}; safe to match on. */
export type ErrorCode =
  | "VALIDATION"
  | "CONFIG"
  | "UNKNOWN_TASK"
  | "JOB_FAILED"
  | "TIMEOUT"
  | "STORE_UNAVAILABLE"
  | "UNRECOVERABLE"
  | "RETRY_AFTER"
  | "CANCELLED"
  | "SHUTDOWN"
  | "RATE_LIMITED";

/** Base class of every error Errand throws. `code` is stable across releases. */
export class ErrandError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "ErrandError";
  }
}

/** One problem found while validating a payload or options. */
export interface ValidationIssue {
  message: string;
  path?: readonly (string | number)[];
}

/** A payload or enqueue option was refused. Nothing was written. */
export class ValidationError extends ErrandError {
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    issues: readonly ValidationIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super("VALIDATION", message, options);
    this.name = "ValidationError";
    this.issues = issues;
  }
}

/** Invalid `Errand`, task or worker options, reported when they are given. */
export class ConfigError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONFIG", message, options);
    this.name = "ConfigError";
  }
}

/** A worker took a job whose task has no handler in its process. */
export class UnknownTaskError extends ErrandError {
  readonly task: string;

  constructor(task: string) {
    super(
      "UNKNOWN_TASK",
      `No handler for task "${task}" in this process: declare it with errand.task({ name: "${task}", handler }) before calling work().`,
    );
    this.name = "UnknownTaskError";
    this.task = task;
  }
}

/** Thrown by `job.result()` when the job ended dead or cancelled. */
export class JobFailedError extends ErrandError {
  readonly jobId: string;
  readonly state: string;

  constructor(jobId: string, state: string, message: string, options?: { cause?: unknown }) {
    super("JOB_FAILED", message, options);
    this.name = "JobFailedError";
    this.jobId = jobId;
    this.state = state;
  }
}

/** An attempt ran past its `timeout`, or a wait such as `job.result()` ran out. */
export class TimeoutError extends ErrandError {
  constructor(message: string) {
    super("TIMEOUT", message);
    this.name = "TimeoutError";
  }
}

/** The store could not be reached or refused the operation for reasons outside the call. */
export class StoreUnavailableError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORE_UNAVAILABLE", message, options);
    this.name = "StoreUnavailableError";
  }
}

/** Throw from a handler to fail the job now, skipping the attempts that remain. */
export class UnrecoverableError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UNRECOVERABLE", message, options);
    this.name = "UnrecoverableError";
  }
}

/** Throw from a handler to fail this attempt and set when the next one starts. */
export class RetryAfterError extends ErrandError {
  /** The delay before the next attempt, as given (milliseconds or a duration string). */
  readonly retryAfter: number | string;

  constructor(message: string, retryAfter: number | string, options?: { cause?: unknown }) {
    super("RETRY_AFTER", message, options);
    this.name = "RetryAfterError";
    this.retryAfter = retryAfter;
  }
}

/** The reason `ctx.signal` carries when the job was cancelled while it ran. */
export class CancelledError extends ErrandError {
  constructor(message = "The job was cancelled.") {
    super("CANCELLED", message);
    this.name = "CancelledError";
  }
}

/** The reason `ctx.signal` carries when the worker shut down or lost the job's lease. */
export class ShutdownError extends ErrandError {
  constructor(message: string) {
    super("SHUTDOWN", message);
    this.name = "ShutdownError";
  }
}

/**
 * Thrown by `ctx.rateLimited()`: an upstream service limited this task. The worker blocks
 * the task (or the job's group) for `delayMs` in every process and puts the job back to
 * run after it, spending no attempt. Let it propagate out of the handler.
 */
export class RateLimitedError extends ErrandError {
  /** How long the task (or group) stays blocked, in milliseconds. */
  readonly delayMs: number;
  /** True when only this job's group is blocked, not the whole task. */
  readonly group: boolean;

  constructor(delayMs: number, options: { group?: boolean } = {}) {
    const scope = options.group === true ? "its group" : "the task";
    super(
      "RATE_LIMITED",
      `Rate limited upstream: ${scope} waits ${delayMs} ms before starting again.`,
    );
    this.name = "RateLimitedError";
    this.delayMs = delayMs;
    this.group = options.group === true;
  }
}
