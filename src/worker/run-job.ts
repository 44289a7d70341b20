import {
  RateLimitedError,
  ShutdownError,
  TimeoutError,
  UnknownTaskError,
  ValidationError,
} from "../errors.ts";
import { DEFAULT_BACKOFF } from "../policy/backoff.ts";
import { toMs } from "../policy/durations.ts";
import { decideFailure, serializeError } from "../policy/failure.ts";
import { decodeJson, encodePayload, encodeResult } from "../policy/payload.ts";
import { validateWithSchema } from "../schema.ts";
import type { ClaimedJob, Outcome } from "../stores/contract.ts";
import type { JobContext, TaskDefinition } from "../task-options.ts";
import type { Attempt } from "./attempt.ts";

/** What running jobs needs from their worker: one object per worker, shared by its jobs. */
export interface RunJobDeps {
  maxPayloadBytes: number;
  removeOnComplete: boolean;
  progress(job: ClaimedJob, encoded: string): Promise<void>;
  log(job: ClaimedJob, message: string): void;
  /** Blocks the job's task (or only its group) from starting for `delayMs`, in every process. */
  block(job: ClaimedJob, delayMs: number, group: boolean): Promise<void>;
}

/**
 * A handler's `ctx`. Its parts are getters made on first read, as `signal` always was:
 * most handlers use none of them, and at thousands of jobs a second the closures and the
 * job summary that every job built were a measurable share of a worker's time. The
 * functions it hands out are bound, so a handler may destructure them.
 */
class HandlerContext implements JobContext {
  private summary: JobContext["job"] | null = null;

  constructor(
    private readonly claimed: ClaimedJob,
    private readonly attempt: Attempt,
    private readonly deps: RunJobDeps,
  ) {}

  get job(): JobContext["job"] {
    const job = this.claimed;
    return (this.summary ??= {
      id: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempt,
      attempts: job.attempts,
      priority: job.priority,
      group: job.group,
      key: job.key,
    });
  }

  get signal(): AbortSignal {
    return this.attempt.signal;
  }

  get progress(): JobContext["progress"] {
    return async (value) => {
      await this.deps.progress(this.claimed, encodePayload(value, this.deps.maxPayloadBytes));
    };
  }

  get log(): JobContext["log"] {
    return (message) => this.deps.log(this.claimed, String(message));
  }

  get rateLimited(): JobContext["rateLimited"] {
    return (delay, options) => {
      throw new RateLimitedError(toMs(delay, "ctx.rateLimited(): delay"), options);
    };
  }
}

/**
 * The job's payload, parsed as JSON and nothing else. A payload that is not JSON fails
 * validation like one that does not fit the schema: dead at once, never retried.
 */
function decodeStored(job: ClaimedJob): unknown {
  try {
    return decodeJson(job.data);
  } catch (error) {
    // The parser's message quotes the payload, which may hold secrets: keep it as cause only.
    throw new ValidationError(`The stored payload of job ${job.id} is not valid JSON.`, [], {
      cause: error,
    });
  }
}

async function execute(
  job: ClaimedJob,
  task: TaskDefinition | null,
  attempt: Attempt,
  deps: RunJobDeps,
): Promise<string> {
  if (!task?.handler) throw new UnknownTaskError(job.name);
  let data = decodeStored(job);
  if (task.schema) data = await validateWithSchema(task.schema, data, job.name);
  const handler = task.handler;
  const ms = task.timeoutMs;
  const clear =
    ms === null
      ? null
      : attempt.timeout(
          ms,
          () => new TimeoutError(`The attempt ran longer than its timeout of ${ms} ms.`),
        );
  try {
    return encodeResult(
      await attempt.run(handler, data, new HandlerContext(job, attempt, deps)),
      deps.maxPayloadBytes,
    );
  } finally {
    clear?.();
  }
}

/**
 * Runs one claimed job to the outcome its worker settles: the payload decoded and
 * validated again (a job enqueued by another process may not fit), the handler cut
 * short by its timeout or an abort, and a failure turned into retry or dead.
 * Never throws.
 */
export async function runJob(
  job: ClaimedJob,
  task: TaskDefinition | null,
  attempt: Attempt,
  deps: RunJobDeps,
): Promise<Outcome> {
  const { id, token } = job;
  try {
    const result = await execute(job, task, attempt, deps);
    return { kind: "complete", id, token, result, remove: deps.removeOnComplete };
  } catch (error) {
    if (error instanceof RateLimitedError) {
      await deps.block(job, error.delayMs, error.group);
      return { kind: "postpone", id, token, delayMs: error.delayMs };
    }
    const decision = decideFailure(error, {
      attempt: job.attempt,
      stalls: job.stalls,
      attempts: job.attempts,
      backoff: task?.backoff ?? DEFAULT_BACKOFF,
    });
    const stored = JSON.stringify(serializeError(error));
    return decision.kind === "dead"
      ? { kind: "dead", id, token, error: stored }
      : { kind: "retry", id, token, error: stored, delayMs: decision.delayMs };
  }
}

/** The reason a worker's shutdown gives `ctx.signal`. */
export function shutdownReason(): ShutdownError {
  return new ShutdownError("The worker is shutting down; the job was handed back to the queue.");
}
