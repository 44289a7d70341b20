import type { Clock } from "../clock.ts";
import { ValidationError } from "../errors.ts";
import { decodeJson } from "../policy/payload.ts";
import type { ScheduleRecord, Store } from "../stores/contract.ts";
import { isName, type TaskDefinition } from "../task-options.ts";
import { NEVER } from "./plan-firing.ts";
import {
  resolveSchedule,
  type ScheduleInfo,
  type ScheduleJobOptions,
  type ScheduleOptions,
} from "./schedule-options.ts";

/** What schedules need from the Errand that owns them. */
export interface SchedulesDeps {
  store: () => Promise<Store>;
  clock: Clock;
  tasks: ReadonlyMap<string, TaskDefinition>;
  maxPayloadBytes: number;
}

function toScheduleInfo(record: ScheduleRecord): ScheduleInfo {
  return {
    name: record.name,
    cron: record.cron,
    tz: record.tz,
    task: record.task,
    queue: record.queue,
    data: decodeJson(record.data),
    options: decodeJson(record.options) as ScheduleJobOptions,
    misfire: record.misfire,
    nextRunAt: record.nextRunAt >= NEVER ? null : new Date(record.nextRunAt),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}

/**
 * Cron schedules kept in the store, so every process sees them; workers fire them
 * (src/schedule/scheduler.ts). `errand.schedule()` and `errand.unschedule()` land here.
 */
export class SchedulesAdmin {
  constructor(private readonly deps: SchedulesDeps) {}

  /**
   * Creates or updates a schedule by name. Updating one with the same cron and tz keeps
   * its next occurrence, so redeploying neither skips nor repeats a run.
   */
  async upsert(name: string, options: ScheduleOptions): Promise<void> {
    const { clock, tasks, maxPayloadBytes } = this.deps;
    const task = tasks.get(options?.task ?? name) ?? null;
    const now = clock.storeNow() ?? clock.now();
    const schedule = await resolveSchedule(name, options, task, maxPayloadBytes, now);
    const storeNow = clock.storeNow();
    await (
      await this.deps.store()
    ).upsertSchedule({ schedule, ...(storeNow === undefined ? {} : { now: storeNow }) });
  }

  /** Deletes a schedule; jobs it already enqueued stay. False when there was none. */
  async remove(name: string): Promise<boolean> {
    if (!isName(name))
      throw new ValidationError(
        `A schedule name must be a non-empty string, got ${JSON.stringify(name)}.`,
      );
    return (await this.deps.store()).removeSchedule({ name });
  }

  /** Every schedule, by name. */
  async list(): Promise<ScheduleInfo[]> {
    return (await (await this.deps.store()).listSchedules()).map(toScheduleInfo);
  }
}
