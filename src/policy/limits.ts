import { ConfigError } from "../errors.ts";
import type { RateLimit, TaskLimits } from "../stores/contract.ts";
import { type Duration, toMs } from "./durations.ts";
import { identifierProblem } from "./identifiers.ts";

/** A rate limit as users write it: at most `max` starts in any window of `per`. */
export interface RateLimitOptions {
  max: number;
  per: Duration;
}

/** The flow-control options of a task declaration, all optional. */
export interface TaskLimitOptions {
  concurrency?: number;
  rateLimit?: RateLimitOptions;
  groupConcurrency?: number;
  groupRateLimit?: RateLimitOptions;
  groupWeights?: Record<string, number>;
}

function positiveInt(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ConfigError(`${what} must be a whole number of 1 or more, got ${String(value)}.`);
  }
  return value as number;
}

function rate(value: unknown, what: string): RateLimit {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `${what} must be an object { max, per }, such as { max: 10, per: "1s" }.`,
    );
  }
  const { max, per, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new ConfigError(`${what}: unknown option "${extra}".`);
  if (per === undefined) throw new ConfigError(`${what}: per is required, such as "1s".`);
  const perMs = toMs(per as Duration, `${what}.per`);
  if (perMs < 1) throw new ConfigError(`${what}.per must be at least 1 ms.`);
  return { max: positiveInt(max, `${what}.max`), perMs };
}

function weights(value: unknown, what: string): Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${what} must be an object of group keys to whole numbers.`);
  }
  const checked: Record<string, number> = {};
  for (const [group, weight] of Object.entries(value)) {
    if (group.length === 0) throw new ConfigError(`${what}: group keys must be non-empty.`);
    const problem = identifierProblem(group);
    if (problem !== null) throw new ConfigError(`${what}: a group key ${problem}.`);
    checked[group] = positiveInt(weight, `${what}["${group}"]`);
  }
  return checked;
}

/**
 * Checks a task's flow-control options and converts them to what claims carry. Returns
 * null when the task has none, so claims only carry tasks that need enforcing.
 */
export function resolveTaskLimits(options: TaskLimitOptions, where: string): TaskLimits | null {
  const limits: TaskLimits = {};
  if (options.concurrency !== undefined)
    limits.concurrency = positiveInt(options.concurrency, `${where}: concurrency`);
  if (options.rateLimit !== undefined) limits.rate = rate(options.rateLimit, `${where}: rateLimit`);
  if (options.groupConcurrency !== undefined)
    limits.groupConcurrency = positiveInt(options.groupConcurrency, `${where}: groupConcurrency`);
  if (options.groupRateLimit !== undefined)
    limits.groupRate = rate(options.groupRateLimit, `${where}: groupRateLimit`);
  if (options.groupWeights !== undefined)
    limits.groupWeights = weights(options.groupWeights, `${where}: groupWeights`);
  return Object.keys(limits).length === 0 ? null : limits;
}

/** The limits a claim carries: those of every declared task that has any, by task name. */
export function claimLimits(
  tasks: Iterable<{ name: string; limits: TaskLimits | null }>,
): Record<string, TaskLimits> | null {
  let limits: Record<string, TaskLimits> | null = null;
  for (const task of tasks) {
    if (task.limits) (limits ??= {})[task.name] = task.limits;
  }
  return limits;
}
