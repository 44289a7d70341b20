import { buildNewJob, type EnqueueOptions } from "../enqueue-options.ts";
import { ValidationError } from "../errors.ts";
import { decodeJson } from "../policy/payload.ts";
import type { NewJob, ScheduleRecord } from "../stores/contract.ts";
import { isName, type TaskDefinition } from "../task-options.ts";
import { checkCron } from "./cron.ts";
import { firstRun } from "./plan-firing.ts";

/** Enqueue options a schedule gives each job it enqueues. */
export type ScheduleJobOptions = Omit<EnqueueOptions, "delay" | "runAt" | "tx">;

/** Options of `errand.schedule()`. */
export interface ScheduleOptions {
  /** Five fields (minute first), or six with seconds first; croner's syntax. */
  cron: string;
  /** The IANA time zone the pattern is read in. Default `"UTC"`. */
  tz?: string;
  /** The task to enqueue. Default: the schedule's name. */
  task?: string;
  /** Each job's payload, checked against the task's schema when it is declared here. Default null. */
  data?: unknown;
  /** Enqueue options of each job (priority, key, group, attempts, queue...). */
  options?: ScheduleJobOptions;
  /**
   * What to do with occurrences missed by more than a minute (no worker ran):
   * `"runOnce"` (default) enqueues one job for all of them, `"skip"` enqueues none.
   */
  misfire?: "runOnce" | "skip";
}

/** A schedule as `errand.schedules.list()` reports it. */
export interface ScheduleInfo {
  name: string;
  cron: string;
  tz: string;
  task: string;
  queue: string;
  data: unknown;
  options: ScheduleJobOptions;
  misfire: "runOnce" | "skip";
  /** The next occurrence to enqueue; null when the pattern has no more. */
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const SCHEDULE_KEYS = new Set(["cron", "tz", "task", "data", "options", "misfire"]);
const NOT_FOR_SCHEDULES = ["delay", "runAt", "tx"];

function invalid(message: string, path: string): never {
  throw new ValidationError(message, [{ message, path: [path] }]);
}

function checkShape(name: string, options: ScheduleOptions): void {
  if (!isName(name)) invalid(`A schedule needs a name, got ${JSON.stringify(name)}.`, "name");
  if (typeof options !== "object" || options === null)
    invalid("schedule(name, options): options must be an object with a cron.", "options");
  for (const key of Object.keys(options)) {
    if (!SCHEDULE_KEYS.has(key)) invalid(`Unknown schedule option "${key}".`, key);
  }
  if (options.task !== undefined && !isName(options.task))
    invalid(`task must be a task name, got ${JSON.stringify(options.task)}.`, "task");
  if (options.misfire !== undefined && options.misfire !== "runOnce" && options.misfire !== "skip")
    invalid(
      `misfire must be "runOnce" or "skip", got ${JSON.stringify(options.misfire)}.`,
      "misfire",
    );
  for (const key of Object.keys(options.options ?? {})) {
    if (NOT_FOR_SCHEDULES.includes(key))
      invalid(`A schedule's jobs run at its occurrences: leave out ${key}.`, `options.${key}`);
  }
}

function checkTiming(cron: unknown, tz: string, now: number): number | null {
  if (typeof cron !== "string" || cron.trim() === "")
    invalid('cron must be a pattern such as "0 3 * * *".', "cron");
  try {
    checkCron(cron, tz);
  } catch (error) {
    const what = error instanceof RangeError ? `tz ${JSON.stringify(tz)}` : `cron "${cron}"`;
    throw new ValidationError(`Invalid ${what}: ${(error as Error).message}`, [
      { message: (error as Error).message, path: [error instanceof RangeError ? "tz" : "cron"] },
    ]);
  }
  const first = firstRun(cron, tz, now);
  if (first === null) invalid(`cron "${cron}" never fires.`, "cron");
  return first;
}

/**
 * Checks `schedule()`'s arguments and turns them into the record the store keeps, with the
 * first occurrence after `now`. A bad cron, zone, task name, payload or option throws a
 * ValidationError; nothing is written.
 */
export async function resolveSchedule(
  name: string,
  options: ScheduleOptions,
  task: TaskDefinition | null,
  maxPayloadBytes: number,
  now: number,
): Promise<Omit<ScheduleRecord, "createdAt" | "updatedAt">> {
  checkShape(name, options);
  const tz = options.tz ?? "UTC";
  if (typeof tz !== "string") invalid("tz must be an IANA time zone name.", "tz");
  const nextRunAt = checkTiming(options.cron, tz, now) as number;
  const taskName = options.task ?? name;
  const data = options.data === undefined ? null : options.data;
  const job = await buildNewJob(taskName, task, data, options.options, maxPayloadBytes);
  return {
    name,
    cron: options.cron,
    tz,
    task: taskName,
    queue: job.queue,
    data: job.data,
    options: JSON.stringify(options.options ?? {}),
    misfire: options.misfire ?? "runOnce",
    nextRunAt,
  };
}

/** Builds the job one occurrence enqueues, checked as an enqueue from this process would be. */
export function buildScheduledJob(
  record: ScheduleRecord,
  task: TaskDefinition | null,
  maxPayloadBytes: number,
): Promise<NewJob> {
  const options = decodeJson(record.options) as ScheduleJobOptions;
  const data = decodeJson(record.data);
  return buildNewJob(record.task, task, data, { ...options, queue: record.queue }, maxPayloadBytes);
}
