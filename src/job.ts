/** Every state a job can be in, in lifecycle order. */
export const JOB_STATES = [
  "scheduled",
  "waiting",
  "active",
  "completed",
  "dead",
  "cancelled",
] as const;

/** A job's state. See `docs/state-machine.md`. */
export type JobState = (typeof JOB_STATES)[number];

/** States in which a job can still run; a deduplication key is held while its job is in one. */
export const LIVE_STATES = [
  "scheduled",
  "waiting",
  "active",
] as const satisfies readonly JobState[];

/** States a job never leaves on its own; retention prunes them. */
export const FINISHED_STATES = [
  "completed",
  "dead",
  "cancelled",
] as const satisfies readonly JobState[];

/** The last failure of a job, as stored. */
export interface JobError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** One line written by `ctx.log()`. */
export interface JobLog {
  at: Date;
  message: string;
}

/** Everything known about a job, as returned by `errand.jobs.get()` and `list()`. */
export interface JobInfo<TData = unknown, TResult = unknown> {
  id: string;
  /** The task's name. */
  name: string;
  queue: string;
  state: JobState;
  data: TData;
  result: TResult | null;
  error: JobError | null;
  /** Starts so far, counting restarts after a lost worker. */
  attempt: number;
  /** Total tries allowed. */
  attempts: number;
  /** Times a worker lost this job (lease expired) and it was rescued. */
  stalls: number;
  priority: number;
  key: string | null;
  group: string | null;
  progress: unknown;
  logs: JobLog[];
  createdAt: Date;
  runAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /**
   * Present only when some stored fields are not valid JSON (written by hand or by
   * another program): it names them, and each reads as null instead of making
   * `jobs.get` and `jobs.list` throw.
   */
  undecodable?: UndecodableField[];
}

/** A JobInfo field that can hold stored JSON. */
export type UndecodableField = "data" | "result" | "error" | "progress";

/** Job counts of one queue by state. */
export type QueueCounts = Record<JobState, number>;

/** True when `value` names a job state. */
export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}
