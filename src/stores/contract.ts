/**
 * The Store contract: the one interface between Errand's runtime and its storage.
 *
 * It is internal and may change between releases. Methods work on batches and take one
 * params object. Every state transition is one atomic step inside the store (one SQL
 * transaction, one Lua script). Every time-dependent method takes an optional `now`
 * (milliseconds since the epoch); when it is absent the store uses its own clock, so
 * workers with skewed clocks agree. Only tests set `now`.
 *
 * Fencing: `claim` gives each job a fresh lease `token`. Methods that act on a leased
 * job (`extend`, `settle`, `progress`, `log`) change it only when the job is still
 * `active` under that token, and otherwise change nothing and report `false`. A job
 * leaves `active` only through `settle` with its token, `rescue` after its lease
 * expired, or an operator's `cancel`/`remove`.
 *
 * Stored payloads, results, progress and errors are JSON text: stores never parse them.
 */
import type { JobState, QueueCounts } from "../job.ts";
import type { StoreCapabilities } from "./capabilities.ts";

/** A job to insert. */
export interface NewJob {
  name: string;
  queue: string;
  /** The payload as JSON text. */
  data: string;
  priority: number;
  /** Absolute due time; when null the job is due `delayMs` after the store's now. */
  runAt: number | null;
  delayMs: number;
  attempts: number;
  maxStalls: number;
  /** Deduplication key, unique per queue among live jobs. */
  key: string | null;
  group: string | null;
  /** With `key`: a live, not yet active holder takes this job's data and is due this long after now. */
  debounceMs: number | null;
  /** With `key`: a holder that is live or was created less than this long ago is returned instead. */
  throttleMs: number | null;
}

/** Params of {@link Store.enqueue}. */
export interface EnqueueParams {
  jobs: NewJob[];
  /**
   * The caller's open transaction, for stores with `transactionalEnqueue`. The store
   * then publishes the `enqueued` events itself, delivered only if the caller commits;
   * the runtime emits none for such a call.
   */
  tx?: unknown;
  /**
   * The enqueuing process's event origin. A store whose `capabilities.publishesEnqueued`
   * is true then publishes an `enqueued` event (jobId, name, queue, at = the store's now)
   * for every job the call created, under this origin, in the same atomic step as the
   * insert where the store can (right after its commit where it cannot), so the caller
   * delivers those events to its own listeners only and publishes none. Ignored with
   * `tx`, whose events the store always publishes itself.
   */
  origin?: string;
  now?: number;
}

/** One job's outcome of {@link Store.enqueue}, in input order. */
export interface EnqueueResult {
  id: string;
  /** False when a live job already held the key and its id is returned instead. */
  created: boolean;
  state: JobState;
}

/** Params of {@link Store.claim}. */
export interface ClaimParams {
  queues: string[];
  /** Claim at most this many jobs. */
  limit: number;
  leaseMs: number;
  /** Recorded on the job for operators; not used for fencing. */
  workerId: string;
  /** Flow-control limits by task name, enforced across every process (see docs/flow-control.md). */
  limits?: Record<string, TaskLimits>;
  now?: number;
}

/** At most `max` starts in any window of `perMs`. */
export interface RateLimit {
  max: number;
  perMs: number;
}

/** The limits of one task, as the claiming worker declares them. */
export interface TaskLimits {
  /** Active jobs of the task, across every process. */
  concurrency?: number;
  rate?: RateLimit;
  /** Active jobs of the task per group key (jobs without a group are exempt). */
  groupConcurrency?: number;
  groupRate?: RateLimit;
  /** Jobs a group gets per turn of the fair rotation; absent groups weigh 1. */
  groupWeights?: Record<string, number>;
}

/** A job leased to a worker. */
export interface ClaimedJob {
  id: string;
  name: string;
  queue: string;
  data: string;
  priority: number;
  /** Starts so far, this one included. */
  attempt: number;
  attempts: number;
  stalls: number;
  maxStalls: number;
  key: string | null;
  group: string | null;
  token: string;
  createdAt: number;
  runAt: number;
  leaseExpiresAt: number;
}

/** Result of {@link Store.claim}. */
export interface ClaimResult {
  /** Claimed jobs, highest priority first, then oldest due time, then enqueue order. */
  jobs: ClaimedJob[];
  /**
   * When fewer than `limit` jobs were claimed: milliseconds from the store's now until
   * the next scheduled job in these queues is due, or null when none is scheduled.
   */
  nextDueInMs: number | null;
}

/** A job's lease, as given by `claim`. */
export interface Lease {
  id: string;
  token: string;
}

/** Params of {@link Store.extend}. */
export interface ExtendParams {
  leases: Lease[];
  /** New expiry: the store's now plus this. */
  leaseMs: number;
  now?: number;
}

/** How a worker finished with a leased job. */
export type Outcome =
  | { kind: "complete"; id: string; token: string; result: string; remove: boolean }
  | { kind: "retry"; id: string; token: string; error: string; delayMs: number }
  | { kind: "dead"; id: string; token: string; error: string }
  /** Handed back unfinished (shutdown): waiting again at once, the start undone. */
  | { kind: "release"; id: string; token: string }
  /** Put back by an upstream rate limit: due `delayMs` after now, the start undone. */
  | { kind: "postpone"; id: string; token: string; delayMs: number };

/** Params of {@link Store.settle}. */
export interface SettleParams {
  outcomes: Outcome[];
  now?: number;
}

/** Params of {@link Store.rescue}. */
export interface RescueParams {
  /** Rescue at most this many jobs in one call. */
  limit: number;
  now?: number;
}

/** A job moved out of `active` by {@link Store.rescue}. */
export interface RescuedJob {
  id: string;
  name: string;
  queue: string;
  /** `waiting` to run again, or `dead` after `maxStalls` losses. */
  state: "waiting" | "dead";
  stalls: number;
}

/** Params of {@link Store.progress}. */
export interface ProgressParams {
  updates: { id: string; token: string; progress: string }[];
}

/** Params of {@link Store.log}. */
export interface LogParams {
  entries: { id: string; token: string; message: string }[];
  now?: number;
}

/** A job as stored, with JSON fields still encoded. */
export interface JobRecord {
  id: string;
  name: string;
  queue: string;
  /** `scheduled` jobs already due are reported `waiting`. */
  state: JobState;
  data: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  logs: { at: number; message: string }[];
  attempt: number;
  attempts: number;
  stalls: number;
  maxStalls: number;
  priority: number;
  key: string | null;
  group: string | null;
  createdAt: number;
  runAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Params of {@link Store.get}. */
export interface GetParams {
  ids: string[];
  now?: number;
}

/** Params of {@link Store.list}; absent filters match everything. */
export interface ListParams {
  queue?: string;
  state?: JobState;
  name?: string;
  limit: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
  now?: number;
}

/** One page of {@link Store.list}, newest job first. */
export interface ListResult {
  jobs: JobRecord[];
  /** Pass back to get the next page; null when no job is left after this page. */
  cursor: string | null;
}

/** Params of {@link Store.counts}. */
export interface CountsParams {
  queue: string;
  now?: number;
}

/** Selects jobs for {@link Store.retry}: by id, or every match of a filter. */
export type RetryParams =
  | { ids: string[]; now?: number }
  | { filter: { queue?: string; state: "dead" | "cancelled"; name?: string }; now?: number };

/** Params of {@link Store.cancel}. */
export interface CancelParams {
  ids: string[];
  now?: number;
}

/** One job's outcome of {@link Store.cancel}. */
export interface CancelResult {
  id: string;
  /** The state before, or null when the job was missing or already finished. */
  previous: JobState | null;
  name: string | null;
  queue: string | null;
}

/** Params of {@link Store.remove}. */
export interface RemoveParams {
  ids: string[];
}

/** What to keep of one kind of finished job. */
export interface PruneRule {
  /** Delete jobs that finished before this time. */
  before: number | null;
  /** Keep at most this many of the newest, per queue. */
  keep: number | null;
}

/** Params of {@link Store.prune}. */
export interface PruneParams {
  queues: string[];
  completed: PruneRule;
  /** Applies to `dead` and `cancelled` jobs. */
  failed: PruneRule;
  /** Delete at most this many jobs in one call. */
  limit: number;
}

/** Params of {@link Store.pause} and {@link Store.resume}: a whole queue, or one task. */
export type QueueParams = { queue: string } | { task: string };

/** Params of {@link Store.block}. */
export interface BlockParams {
  queue: string;
  /** The task's name. */
  name: string;
  /** Block only this group of the task; null blocks the whole task. */
  group: string | null;
  delayMs: number;
  now?: number;
}

/** A cron schedule as stored. `data` and `options` are JSON text. */
export interface ScheduleRecord {
  name: string;
  cron: string;
  tz: string;
  /** The task it enqueues, and that task's queue. */
  task: string;
  queue: string;
  data: string;
  options: string;
  misfire: "runOnce" | "skip";
  /** The next occurrence to enqueue. */
  nextRunAt: number;
  createdAt: number;
  updatedAt: number;
}

/** Params of {@link Store.upsertSchedule}. */
export interface UpsertScheduleParams {
  schedule: Omit<ScheduleRecord, "createdAt" | "updatedAt">;
  now?: number;
}

/** Params of {@link Store.dueSchedules}. */
export interface DueSchedulesParams {
  limit: number;
  now?: number;
}

/** Params of {@link Store.fireSchedule}. */
export interface FireScheduleParams {
  name: string;
  /** The occurrence being fired: the schedule's stored next run, as read by dueSchedules. */
  expectedRunAt: number;
  /** The occurrence after it. */
  nextRunAt: number;
  /** The job to enqueue, or null to skip this occurrence (misfire "skip"). */
  job: NewJob | null;
  now?: number;
}

/** Result of {@link Store.fireSchedule}. */
export interface FireScheduleResult {
  /** False when another process fired this occurrence first (nothing was written). */
  fired: boolean;
  job: EnqueueResult | null;
}

/** What happened to a job; delivered to every process subscribed to the store. */
export interface StoreEvent {
  type:
    | "enqueued"
    | "started"
    | "progress"
    | "completed"
    | "retrying"
    | "dead"
    | "cancelled"
    | "stalled";
  jobId: string;
  name: string;
  queue: string;
  at: number;
  attempt?: number;
  /** JSON text, for `completed`. */
  result?: string;
  /** JSON text of the failure, for `retrying` and `dead`. */
  error?: string;
  /** JSON text, for `progress`. */
  progress?: string;
}

/** Params of {@link Store.publish}. */
export interface PublishParams {
  events: StoreEvent[];
  /** Identifies the publishing process, so it can skip its own events. */
  origin: string;
}

/** Receives events published by any process, with the origin that published them. */
export type EventHandlerFn = (events: StoreEvent[], origin: string) => void;

/** Options of {@link Store.subscribe}. */
export interface SubscribeOptions {
  /**
   * Batches published under this origin (the subscriber's own) are not delivered. A store
   * drops them before decoding where its wire format allows, which is the point: a busy
   * worker publishes far more events than it needs to read back. Handlers must still
   * tolerate them (another subscriber of the same store may not have asked).
   */
  skipOrigin?: string;
}

/** A job in any state, for tests and tools that seed data. */
export interface RawJob {
  name: string;
  queue?: string;
  state: JobState;
  data?: string;
  result?: string | null;
  error?: string | null;
  priority?: number;
  attempt?: number;
  attempts?: number;
  stalls?: number;
  maxStalls?: number;
  key?: string | null;
  group?: string | null;
  token?: string | null;
  leaseExpiresAt?: number | null;
  createdAt?: number;
  runAt?: number;
  startedAt?: number | null;
  finishedAt?: number | null;
}

/** The storage behind Errand. See the file header for the rules every method keeps. */
export interface Store {
  /** A short name for logs: "sqlite", "postgres", "redis". */
  readonly kind: string;
  readonly capabilities: StoreCapabilities;

  /** Brings the schema up to date. Idempotent, and safe when many processes call it at once. */
  migrate(): Promise<void>;

  /**
   * Inserts jobs, atomically as one batch: all are written or none. A job whose key is
   * held by a live job in its queue (including one earlier in the same batch) is not
   * inserted; the holder's id is returned with `created: false`. Uses `now`.
   */
  enqueue(params: EnqueueParams): Promise<EnqueueResult[]>;

  /**
   * Leases up to `limit` due jobs of unpaused `queues` in one atomic step, each with a
   * fresh token, its attempt counted and its lease expiring at now + `leaseMs`. A job is
   * never leased to two claims at once. Skips paused and blocked tasks, keeps `limits`
   * (concurrency and rate, per task and per group, counted across every process) and
   * rotates fairly between groups (docs/flow-control.md). Uses `now`.
   */
  claim(params: ClaimParams): Promise<ClaimResult>;

  /**
   * Pushes each lease's expiry to now + `leaseMs`, in one atomic step. Returns per lease
   * whether it is still held; `false` (stale token, job rescued, cancelled or removed)
   * changes nothing. Uses `now`.
   */
  extend(params: ExtendParams): Promise<boolean[]>;

  /**
   * Applies outcomes in one atomic step. Each applies only while the job is `active`
   * under its token; otherwise it changes nothing and reports `false`. `retry` makes the
   * job due `delayMs` after now. Uses `now`.
   */
  settle(params: SettleParams): Promise<boolean[]>;

  /**
   * Takes jobs whose lease expired out of `active`, atomically per job: each is counted a
   * stall and is `waiting` again, or `dead` once its stalls reach `maxStalls`. A job
   * settled before the rescue's step is never touched. Uses `now`.
   */
  rescue(params: RescueParams): Promise<RescuedJob[]>;

  /** Stores progress, fenced like `settle`. Returns per update whether it applied. */
  progress(params: ProgressParams): Promise<boolean[]>;

  /** Appends log lines, fenced like `settle`. Returns per entry whether it applied. Uses `now`. */
  log(params: LogParams): Promise<boolean[]>;

  /** Reads jobs by id, in input order; null for a missing id. Uses `now` to tell waiting from scheduled. */
  get(params: GetParams): Promise<(JobRecord | null)[]>;

  /** Pages through jobs, newest first. Uses `now` to tell waiting from scheduled. */
  list(params: ListParams): Promise<ListResult>;

  /** Counts one queue's jobs by state. Uses `now` to tell waiting from scheduled. */
  counts(params: CountsParams): Promise<QueueCounts>;

  /**
   * Makes `dead` or `cancelled` jobs `waiting` again with their attempts and stalls reset,
   * each atomically. Skips other states, and jobs whose key a live job now holds.
   * Returns the ids it moved. Uses `now`.
   */
  retry(params: RetryParams): Promise<string[]>;

  /**
   * Cancels `scheduled`, `waiting` and `active` jobs, each atomically; an active job's
   * lease is revoked so its worker's settle changes nothing. Uses `now`.
   */
  cancel(params: CancelParams): Promise<CancelResult[]>;

  /** Deletes jobs in any state. Returns per id whether it existed. */
  remove(params: RemoveParams): Promise<boolean[]>;

  /** Deletes finished jobs past retention. Returns how many it deleted. */
  prune(params: PruneParams): Promise<number>;

  /** Stops claims from a queue, or of one task, until `resume`. Idempotent. */
  pause(params: QueueParams): Promise<void>;

  /** Lets claims take from a queue, or of a task, again. Idempotent. */
  resume(params: QueueParams): Promise<void>;

  /** Names of the paused queues. */
  pausedQueues(): Promise<string[]>;

  /** Names of the paused tasks. */
  pausedTasks(): Promise<string[]>;

  /**
   * Keeps claims from starting jobs of a task (or of one of its groups) until `delayMs`
   * after now; an existing later block stays. Uses `now`.
   */
  block(params: BlockParams): Promise<void>;

  /**
   * Inserts or updates a schedule by name. An existing schedule with the same cron and
   * tz keeps its stored next run, so a redeploy neither skips nor repeats an occurrence.
   */
  upsertSchedule(params: UpsertScheduleParams): Promise<void>;

  /** Deletes a schedule; jobs it enqueued stay. Returns whether it existed. */
  removeSchedule(params: { name: string }): Promise<boolean>;

  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;

  /** Schedules whose next run is due. Uses `now`. */
  dueSchedules(params: DueSchedulesParams): Promise<ScheduleRecord[]>;

  /**
   * Fires one occurrence exactly once: atomically, and only while the schedule's next run
   * still equals `expectedRunAt`, moves it to `nextRunAt` and enqueues `job` (as `enqueue`
   * would, dedupe included). Otherwise changes nothing and reports `fired: false`. Uses `now`.
   */
  fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult>;

  /** Sends events to every subscriber of this store, in this and other processes. */
  publish(params: PublishParams): Promise<void>;

  /** Listens for events from every process; returns a function that stops listening. */
  subscribe(handler: EventHandlerFn, options?: SubscribeOptions): () => void;

  /** Inserts jobs exactly as given, in any state, skipping dedupe. For tests and tools. */
  insertRaw(jobs: RawJob[]): Promise<string[]>;

  /** Releases connections, timers and files. The store cannot be used after. */
  close(): Promise<void>;
}
