import type {
  DueSchedulesParams,
  FireScheduleParams,
  FireScheduleResult,
  ScheduleRecord,
  UpsertScheduleParams,
} from "../contract.ts";
import { enqueueJob } from "./enqueue.ts";
import type { Statements } from "./statements.ts";

/** A row of list-schedules.sql and due-schedules.sql. */
interface ScheduleRow {
  name: string;
  cron: string;
  tz: string;
  task: string;
  queue: string;
  data: string;
  options: string;
  misfire: "runOnce" | "skip";
  next_run_at: number;
  created_at: number;
  updated_at: number;
}

function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    cron: row.cron,
    tz: row.tz,
    task: row.task,
    queue: row.queue,
    data: row.data,
    options: row.options,
    misfire: row.misfire,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts or updates a schedule (see upsert-schedule.sql for what an update keeps). */
export function upsertSchedule(sql: Statements, params: UpsertScheduleParams, now: number): void {
  const { schedule } = params;
  sql["upsert-schedule"].run({
    name: schedule.name,
    cron: schedule.cron,
    tz: schedule.tz,
    task: schedule.task,
    queue: schedule.queue,
    data: schedule.data,
    options: schedule.options,
    misfire: schedule.misfire,
    nextRunAt: schedule.nextRunAt,
    now,
  });
}

/** Every schedule, by name. */
export function listSchedules(sql: Statements): ScheduleRecord[] {
  return (sql["list-schedules"].all() as ScheduleRow[]).map(toScheduleRecord);
}

/** Schedules due at `now`, earliest first. */
export function dueSchedules(
  sql: Statements,
  params: DueSchedulesParams,
  now: number,
): ScheduleRecord[] {
  return (sql["due-schedules"].all({ now, limit: params.limit }) as ScheduleRow[]).map(
    toScheduleRecord,
  );
}

/**
 * Fires one occurrence: the compare-and-set on next_run_at and the job's enqueue share the
 * caller's IMMEDIATE transaction, so the occurrence is enqueued exactly when the set wins.
 */
export function fireSchedule(
  sql: Statements,
  params: FireScheduleParams,
  now: number,
): FireScheduleResult {
  const moved = sql["fire-schedule"].run({
    name: params.name,
    expected: params.expectedRunAt,
    next: params.nextRunAt,
  }).changes;
  if (moved !== 1) return { fired: false, job: null };
  return { fired: true, job: params.job === null ? null : enqueueJob(sql, params.job, now) };
}
