export { Errand, type ErrandOptions } from "./errand.ts";
export { Task } from "./task.ts";
export { Job } from "./job-handle.ts";
export { Worker } from "./worker/worker.ts";
export type { WorkOptions } from "./worker/worker-options.ts";
export type { EnqueueOptions } from "./enqueue-options.ts";
export type {
  HandlerFn,
  JobContext,
  PlainTaskOptions,
  SchemaTaskOptions,
  TaskOptionsBase,
} from "./task-options.ts";
export type { ErrandEvent, EventListenerFn, EventType } from "./events.ts";
export {
  JOB_STATES,
  type JobError,
  type JobInfo,
  type JobLog,
  type JobState,
  type QueueCounts,
  type UndecodableField,
} from "./job.ts";
export type { ListJobsOptions, JobsAdmin, QueuesAdmin } from "./admin.ts";
export type { TasksAdmin } from "./tasks-admin.ts";
export type {
  ScheduleInfo,
  ScheduleJobOptions,
  ScheduleOptions,
} from "./schedule/schedule-options.ts";
export type { SchedulesAdmin } from "./schedule/schedules-admin.ts";
export type { RateLimitOptions } from "./policy/limits.ts";
export type { Duration } from "./policy/durations.ts";
export type { BackoffFn, BackoffOptions } from "./policy/backoff.ts";
export type { RetentionOptions } from "./policy/retention.ts";
export type { Clock } from "./clock.ts";
export type { Logger, LogFields } from "./logger.ts";
export {
  CancelledError,
  ConfigError,
  ErrandError,
  type ErrorCode,
  JobFailedError,
  RateLimitedError,
  RetryAfterError,
  ShutdownError,
  StoreUnavailableError,
  TimeoutError,
  UnknownTaskError,
  UnrecoverableError,
  ValidationError,
  type ValidationIssue,
} from "./errors.ts";
export { SqliteStore, type SqliteStoreOptions } from "./stores/sqlite/sqlite-store.ts";
export { PostgresStore, type PostgresStoreOptions } from "./stores/postgres/postgres-store.ts";
export { RedisStore, type RedisStoreOptions } from "./stores/redis/redis-store.ts";
export type * from "./stores/contract.ts";
export type { StoreCapabilities } from "./stores/capabilities.ts";
