import type { StandardSchemaV1 } from "@standard-schema/spec";

import { ConfigError } from "./errors.ts";
import { type BackoffOptions, resolveBackoff, type ResolvedBackoff } from "./policy/backoff.ts";
import { type Duration, toMs } from "./policy/durations.ts";
import { isStorableIdentifier } from "./policy/identifiers.ts";
import { resolveTaskLimits } from "./policy/limits.ts";
import { type AnySchema, isStandardSchema } from "./schema.ts";
import type { TaskLimits } from "./stores/contract.ts";

/** What a handler gets besides its payload. */
export interface JobContext {
  job: {
    id: string;
    name: string;
    queue: string;
    /** 1 on the first start; counts every start, restarts after a lost worker included. */
    attempt: number;
    attempts: number;
    priority: number;
    group: string | null;
    key: string | null;
  };
  /** Aborts on timeout, cancellation, shutdown, or when the job's lease was lost. */
  signal: AbortSignal;
  /** Stores progress (a number or a JSON object) and emits a `progress` event. */
  progress(value: unknown): Promise<void>;
  /** Stores a line with the job, visible in `jobs.get(id).logs`. */
  log(message: string): void;
  /**
   * Reports an upstream rate limit: no job of this task (or, with `{ group: true }`, of
   * this job's group) starts anywhere for `delay`, and this job is put back to run after
   * it without spending an attempt. Throws a RateLimitedError: let it propagate.
   */
  rateLimited(delay: Duration, options?: { group?: boolean }): never;
}

/** A task's handler: resolves with the job's result (stored as JSON) or throws to fail. */
export type HandlerFn<TData, TResult> = (
  data: TData,
  ctx: JobContext,
) => Promise<TResult> | TResult;

/** Options shared by every task declaration. */
export interface TaskOptionsBase {
  /** The task's name, unique per Errand instance; jobs are enqueued and routed by it. */
  name: string;
  /** Default `"default"`. */
  queue?: string;
  /** Total tries, the first included. Default 3. */
  attempts?: number;
  /** Delay between tries. Default exponential from 1s, capped at 1h, with jitter. */
  backoff?: BackoffOptions;
  /** Per-attempt time limit; aborts `ctx.signal` and fails the attempt. Default none. */
  timeout?: Duration;
  /** Higher runs first; negative allowed. Default 0. */
  priority?: number;
  /** Worker losses (lease expiries) after which the job is dead. Default 3. */
  maxStalls?: number;
  /** Running jobs of this task across every process. Default no limit. */
  concurrency?: number;
  /** At most `max` starts in any window of `per`, across every process. Default no limit. */
  rateLimit?: { max: number; per: Duration };
  /** Running jobs per group key (jobs enqueued with `group`). Default no limit. */
  groupConcurrency?: number;
  /** At most `max` starts per group key in any window of `per`. Default no limit. */
  groupRateLimit?: { max: number; per: Duration };
  /** Jobs a group gets per turn of the fair rotation (whole numbers of 1 or more). Default 1 each. */
  groupWeights?: Record<string, number>;
}

/** A task declared with a Standard Schema: payload types come from the schema. */
export interface SchemaTaskOptions<
  TSchema extends StandardSchemaV1,
  TResult,
> extends TaskOptionsBase {
  schema: TSchema;
  handler?: HandlerFn<StandardSchemaV1.InferOutput<TSchema>, TResult>;
}

/** A task declared without a schema: payload types come from the type parameter. */
export interface PlainTaskOptions<TData, TResult> extends TaskOptionsBase {
  schema?: undefined;
  handler?: HandlerFn<TData, TResult>;
}

/** A task declaration checked and converted to milliseconds. */
export interface TaskDefinition {
  name: string;
  queue: string;
  schema: AnySchema | null;
  attempts: number;
  backoff: ResolvedBackoff;
  timeoutMs: number | null;
  priority: number;
  maxStalls: number;
  /** Flow-control limits enforced by claims, or null when the task has none. */
  limits: TaskLimits | null;
  handler: HandlerFn<unknown, unknown> | null;
}

const TASK_KEYS = new Set([
  "name",
  "queue",
  "schema",
  "attempts",
  "backoff",
  "timeout",
  "priority",
  "maxStalls",
  "handler",
  "concurrency",
  "rateLimit",
  "groupConcurrency",
  "groupRateLimit",
  "groupWeights",
]);

/** True for a string Errand accepts as a task or queue name. */
export function isName(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length > 0 &&
    value.length <= 200 &&
    value.trim() === value &&
    isStorableIdentifier(value)
  );
}

function positiveInt(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ConfigError(`${what} must be a whole number of 1 or more, got ${String(value)}.`);
  }
  return value as number;
}

/** Checks a task declaration; throws ConfigError naming the bad option. */
export function resolveTaskOptions(
  options: TaskOptionsBase & { schema?: unknown; handler?: unknown },
): TaskDefinition {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("task() takes an options object.");
  if (!isName(options.name)) {
    throw new ConfigError(
      `A task needs a name: a non-empty string without surrounding spaces, got ${JSON.stringify(options.name)}.`,
    );
  }
  const where = `Task "${options.name}"`;
  for (const key of Object.keys(options)) {
    if (!TASK_KEYS.has(key)) throw new ConfigError(`${where}: unknown option "${key}".`);
  }
  if (options.queue !== undefined && !isName(options.queue)) {
    throw new ConfigError(
      `${where}: queue must be a non-empty string, got ${JSON.stringify(options.queue)}.`,
    );
  }
  if (options.schema !== undefined && !isStandardSchema(options.schema)) {
    throw new ConfigError(
      `${where}: schema must be a Standard Schema (zod, valibot, arktype, ...).`,
    );
  }
  if (options.handler !== undefined && typeof options.handler !== "function") {
    throw new ConfigError(`${where}: handler must be a function (data, ctx) => result.`);
  }
  const priority = options.priority ?? 0;
  if (!Number.isSafeInteger(priority))
    throw new ConfigError(`${where}: priority must be a whole number, got ${String(priority)}.`);
  const timeoutMs =
    options.timeout === undefined ? null : toMs(options.timeout, `${where}: timeout`);
  if (timeoutMs === 0)
    throw new ConfigError(`${where}: timeout must be more than zero; leave it out for no limit.`);
  return {
    name: options.name,
    queue: options.queue ?? "default",
    schema: (options.schema as AnySchema | undefined) ?? null,
    attempts: positiveInt(options.attempts, 3, `${where}: attempts`),
    backoff: resolveBackoff(options.backoff, where),
    timeoutMs,
    priority,
    maxStalls: positiveInt(options.maxStalls, 3, `${where}: maxStalls`),
    limits: resolveTaskLimits(options, where),
    handler: (options.handler as HandlerFn<unknown, unknown> | undefined) ?? null,
  };
}
