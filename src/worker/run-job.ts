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

/** What running one job needs from its worker. */
export interface RunJobDeps {
  task: TaskDefinition | null;
  maxPayloadBytes: number;
  removeOnComplete: boolean;
  progress(job: ClaimedJob, encoded: string): Promise<void>;
  log(job: ClaimedJob, message: string): void;
  /** Blocks the job's task (or only its group) from starting for `delayMs`, in every process. */
  block(job: ClaimedJob, delayMs: number, group: boolean): Promise<void>;
}

function context(job: ClaimedJob, attempt: Attempt, deps: RunJobDeps): JobContext {
  return {
    job: {
      id: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempt,
      attempts: job.attempts,
      priority: job.priority,
      group: job.group,
      key: job.key,
    },
    // A getter: the AbortController is made only for handlers that look at the signal.
    get signal() {
      return attempt.signal;
    },
    progress: async (value) => {
      await deps.progress(job, encodePayload(value, deps.maxPayloadBytes));
    },
    log: (message) => deps.log(job, String(message)),
    rateLimited: (delay, options) => {
      throw new RateLimitedError(toMs(delay, "ctx.rateLimited(): delay"), options);
    },
  };
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

async function execute(job: ClaimedJob, attempt: Attempt, deps: RunJobDeps): Promise<string> {
  const task = deps.task;
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
      await attempt.run(() => handler(data, context(job, attempt, deps))),
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
  attempt: Attempt,
  deps: RunJobDeps,
): Promise<Outcome> {
  const lease = { id: job.id, token: job.token };
  try {
    const result = await execute(job, attempt, deps);
    return { kind: "complete", ...lease, result, remove: deps.removeOnComplete };
  } catch (error) {
    if (error instanceof RateLimitedError) {
      await deps.block(job, error.delayMs, error.group);
      return { kind: "postpone", ...lease, delayMs: error.delayMs };
    }
    const decision = decideFailure(error, {
      attempt: job.attempt,
      stalls: job.stalls,
      attempts: job.attempts,
      backoff: deps.task?.backoff ?? DEFAULT_BACKOFF,
    });
    const stored = JSON.stringify(serializeError(error));
    return decision.kind === "dead"
      ? { kind: "dead", ...lease, error: stored }
      : { kind: "retry", ...lease, error: stored, delayMs: decision.delayMs };
  }
}

/** The reason a worker's shutdown gives `ctx.signal`. */
export function shutdownReason(): ShutdownError {
  return new ShutdownError("The worker is shutting down; the job was handed back to the queue.");
}
