import type pg from "pg";

import type {
  DueSchedulesParams,
  FireScheduleParams,
  FireScheduleResult,
  ScheduleRecord,
  UpsertScheduleParams,
} from "../contract.ts";
import { enqueueBatch, type EnqueueTarget } from "./enqueue.ts";
import { inTransaction, type Queryable } from "./pg-client.ts";
import { ms } from "./query-params.ts";

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
  next_run_at: string | number;
  created_at: string | number;
  updated_at: string | number;
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
    nextRunAt: Number(row.next_run_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const nowOf = (params: { now?: number }): number | null =>
  params.now === undefined ? null : ms(params.now);

/** Inserts or updates a schedule (see upsert-schedule.sql for what an update keeps). */
export async function upsertSchedule(
  db: Queryable,
  target: EnqueueTarget,
  params: UpsertScheduleParams,
): Promise<void> {
  const { schedule } = params;
  await db.query(target.queries["upsert-schedule"], [
    schedule.name,
    schedule.cron,
    schedule.tz,
    schedule.task,
    schedule.queue,
    schedule.data,
    schedule.options,
    schedule.misfire,
    ms(schedule.nextRunAt),
    nowOf(params),
  ]);
}

/** Every schedule, by name. */
export async function listSchedules(
  db: Queryable,
  target: EnqueueTarget,
): Promise<ScheduleRecord[]> {
  const { rows } = await db.query<ScheduleRow>(target.queries["list-schedules"], []);
  return rows.map(toScheduleRecord);
}

/** Schedules due at now, earliest first. */
export async function dueSchedules(
  db: Queryable,
  target: EnqueueTarget,
  params: DueSchedulesParams,
): Promise<ScheduleRecord[]> {
  const { rows } = await db.query<ScheduleRow>(target.queries["due-schedules"], [
    nowOf(params),
    params.limit,
  ]);
  return rows.map(toScheduleRecord);
}

/**
 * Fires one occurrence: the compare-and-set on next_run_at and the job's enqueue share one
 * transaction, so the occurrence is enqueued exactly when the set wins, and a failed
 * enqueue leaves the occurrence to fire again.
 */
export function fireSchedule(
  pool: pg.Pool,
  target: EnqueueTarget,
  params: FireScheduleParams,
): Promise<FireScheduleResult> {
  const now = params.now === undefined ? undefined : ms(params.now);
  return inTransaction(pool, async (client) => {
    const moved = await client.query(target.queries["fire-schedule"], [
      params.name,
      ms(params.expectedRunAt),
      ms(params.nextRunAt),
    ]);
    if (moved.rowCount !== 1) return { fired: false, job: null };
    if (params.job === null) return { fired: true, job: null };
    const [job] = await enqueueBatch(client, target, [params.job], now);
    return { fired: true, job: job ?? null };
  });
}
