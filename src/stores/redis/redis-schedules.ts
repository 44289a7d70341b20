import type { JobState } from "../../job.ts";
import type {
  DueSchedulesParams,
  FireScheduleParams,
  FireScheduleResult,
  ScheduleRecord,
  UpsertScheduleParams,
} from "../contract.ts";
import type { RedisClient } from "./connection.ts";
import { jobId, type RedisKeys } from "./keys.ts";
import { enqueueArgs } from "./script-args.ts";
import type { RunOnFn } from "./task-pauses.ts";

/** What {@link RedisSchedules} needs from the store. */
export interface RedisSchedulesDeps {
  keys: RedisKeys;
  runOn: RunOnFn;
  /** Runs plain commands (the registry's reads and writes). */
  command<T>(fn: (client: RedisClient) => Promise<T>): Promise<T>;
  registerQueues(queues: string[]): Promise<void>;
}

/** A read-schedules.lua reply entry (flat hash fields) as a record. */
function toScheduleRecord(flat: string[]): ScheduleRecord {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  const text = (field: string): string => f.get(field) ?? "";
  return {
    name: text("name"),
    cron: text("cron"),
    tz: text("tz"),
    task: text("task"),
    queue: text("queue"),
    data: text("data"),
    options: text("options"),
    misfire: text("misfire") === "skip" ? "skip" : "runOnce",
    nextRunAt: Number(text("nextRunAt")),
    createdAt: Number(text("createdAt")),
    updatedAt: Number(text("updatedAt")),
  };
}

/**
 * Cron schedules on Redis. A schedule lives in the keys of its task's queue (so firing it,
 * the compare-and-set of its next run plus the enqueue, is one script on one slot), and
 * `<prefix>:schedules` maps each name to that queue, so listings find every schedule. The
 * registry decides: a schedule left in another queue's keys (its task moved queue halfway
 * through an update) is ignored.
 */
export class RedisSchedules {
  constructor(private readonly deps: RedisSchedulesDeps) {}

  private registry(): Promise<Record<string, string>> {
    return this.deps.command((client) => client.hgetall(this.deps.keys.schedules));
  }

  /** The queue whose keys hold the schedule, as the registry says; null when unknown. */
  private queueOf(name: string): Promise<string | null> {
    return this.deps.command((client) => client.hget(this.deps.keys.schedules, name));
  }

  async upsert(params: UpsertScheduleParams): Promise<void> {
    const { schedule } = params;
    const { keys, runOn } = this.deps;
    const previous = await this.queueOf(schedule.name);
    await this.deps.registerQueues([schedule.queue]);
    let nextRunAt = schedule.nextRunAt;
    let createdAt = "";
    if (previous !== null && previous !== schedule.queue) {
      // Its task moved queue: the schedule moves too, keeping what an update keeps. It is
      // deleted from the old queue first, so a worker firing it there meanwhile finds nothing.
      const [old] = await this.read(previous, ["all", "", 0, schedule.name]);
      await runOn("remove-schedule", keys.queue(previous), [schedule.name]);
      if (old) {
        createdAt = String(old.createdAt);
        if (old.cron === schedule.cron && old.tz === schedule.tz) nextRunAt = old.nextRunAt;
      }
    }
    await runOn("upsert-schedule", keys.queue(schedule.queue), [
      params.now ?? "",
      schedule.name,
      schedule.cron,
      schedule.tz,
      schedule.task,
      schedule.queue,
      schedule.data,
      schedule.options,
      schedule.misfire,
      nextRunAt,
      createdAt,
    ]);
    await this.deps.command((client) => client.hset(keys.schedules, schedule.name, schedule.queue));
  }

  async remove(name: string): Promise<boolean> {
    const queue = await this.queueOf(name);
    if (queue === null) return false;
    const existed = await this.deps.runOn("remove-schedule", this.deps.keys.queue(queue), [name]);
    await this.deps.command((client) => client.hdel(this.deps.keys.schedules, name));
    return existed === 1;
  }

  async list(): Promise<ScheduleRecord[]> {
    const records = await this.readAll(["all", "", 0, ""]);
    return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async due(params: DueSchedulesParams): Promise<ScheduleRecord[]> {
    const records = await this.readAll(["due", params.now ?? "", params.limit, ""]);
    records.sort((a, b) => a.nextRunAt - b.nextRunAt || (a.name < b.name ? -1 : 1));
    return records.slice(0, params.limit);
  }

  async fire(params: FireScheduleParams): Promise<FireScheduleResult> {
    const queue = await this.queueOf(params.name);
    if (queue === null) return { fired: false, job: null };
    if (params.job && params.job.queue !== queue) {
      throw new Error(
        `fireSchedule: the job's queue "${params.job.queue}" is not the schedule's queue "${queue}".`,
      );
    }
    const reply = (await this.deps.runOn("fire-schedule", this.deps.keys.queue(queue), [
      params.now ?? "",
      params.name,
      params.expectedRunAt,
      params.nextRunAt,
      queue,
      ...(params.job ? enqueueArgs(params.job) : []),
    ])) as [number, number?, number?, JobState?];
    const [fired, n, created, state] = reply;
    if (fired !== 1) return { fired: false, job: null };
    if (n === undefined || state === undefined) return { fired: true, job: null };
    return { fired: true, job: { id: jobId(n, queue), created: created === 1, state } };
  }

  /** The schedules one queue's keys hold. */
  private async read(queue: string, args: (string | number)[]): Promise<ScheduleRecord[]> {
    const replies = (await this.deps.runOn(
      "read-schedules",
      this.deps.keys.queue(queue),
      args,
    )) as string[][];
    return replies.map(toScheduleRecord);
  }

  /** The schedules of every queue the registry names, as the registry places them. */
  private async readAll(args: (string | number)[]): Promise<ScheduleRecord[]> {
    const registry = await this.registry();
    const queues = [...new Set(Object.values(registry))];
    const records = (await Promise.all(queues.map((q) => this.read(q, args)))).flat();
    return records.filter((r) => registry[r.name] === r.queue);
  }
}
