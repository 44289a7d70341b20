import { randomUUID } from "node:crypto";

import type { StandardSchemaV1 } from "@standard-schema/spec";

import { JobsAdmin, QueuesAdmin } from "./admin.ts";
import { type Clock, systemClock } from "./clock.ts";
import { buildNewJob, type EnqueueOptions } from "./enqueue-options.ts";
import { ConfigError, ValidationError } from "./errors.ts";
import { EventBus, type EventListenerFn, type EventType } from "./events.ts";
import { Job } from "./job-handle.ts";
import { consoleLogger, type Logger, silentLogger } from "./logger.ts";
import { type Duration } from "./policy/durations.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./policy/payload.ts";
import {
  type ResolvedRetention,
  resolveRetention,
  type RetentionOptions,
} from "./policy/retention.ts";
import type { ScheduleOptions } from "./schedule/schedule-options.ts";
import { SchedulesAdmin } from "./schedule/schedules-admin.ts";
import type { Store } from "./stores/contract.ts";
import { DEFAULT_STORE_URL, openStore, parseStoreUrl } from "./stores/url.ts";
import { Task } from "./task.ts";
import {
  type PlainTaskOptions,
  resolveTaskOptions,
  type SchemaTaskOptions,
  type TaskDefinition,
} from "./task-options.ts";
import { TasksAdmin } from "./tasks-admin.ts";
import { waitForResult } from "./wait-for-result.ts";
import { Worker } from "./worker/worker.ts";
import { resolveWorkOptions, type WorkOptions } from "./worker/worker-options.ts";
import { WorkerRuntime } from "./worker/worker-runtime.ts";

/** Options of `new Errand()`. */
export interface ErrandOptions {
  /**
   * A store URL (`sqlite:./jobs.db`, `sqlite::memory:`) or a Store instance. Default:
   * `ERRAND_STORE` from the environment, else the SQLite file `./.errand/errand.db`.
   */
  store?: string | Store;
  /** The largest encoded payload accepted. Default 512 KiB. */
  maxPayloadBytes?: number;
  /** How long completed jobs are kept. Default `"1d"`; `0` deletes them on completion. */
  keepCompleted?: RetentionOptions;
  /** How long dead and cancelled jobs are kept. Default `"30d"`. */
  keepDead?: RetentionOptions;
  /** Where Errand logs. Default: warnings and errors to stderr. `false` for none. */
  logger?: Logger | false;
  /** The clock passed to the store. Tests pass a `TestClock`; leave it out otherwise. */
  clock?: Clock;
}

const OPTION_KEYS = new Set([
  "store",
  "maxPayloadBytes",
  "keepCompleted",
  "keepDead",
  "logger",
  "clock",
]);

function checkOptions(options: ErrandOptions): void {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("new Errand() takes an options object.");
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new ConfigError(`new Errand(): unknown option "${key}".`);
  }
  const max = options.maxPayloadBytes;
  if (max !== undefined && !(Number.isSafeInteger(max) && max > 0)) {
    throw new ConfigError(
      `maxPayloadBytes must be a whole number of bytes above zero, got ${String(max)}.`,
    );
  }
}

/**
 * The entry point: declare tasks, enqueue jobs, run workers, inspect and operate.
 * Connects lazily: the store is opened (and migrated) on first use.
 */
export class Errand {
  /** Inspect and operate on jobs: get, list, retry, cancel, remove. */
  readonly jobs: JobsAdmin;
  /** Queue counts, pause and resume. */
  readonly queues: QueuesAdmin;
  /** Pause and resume single tasks. */
  readonly tasks: TasksAdmin;
  /** The cron schedules in the store. */
  readonly schedules: Pick<SchedulesAdmin, "list">;
  private readonly scheduleAdmin: SchedulesAdmin;
  private readonly storeSource: string | Store;
  private storePromise: Promise<Store> | null = null;
  private readonly declared = new Map<string, TaskDefinition>();
  private readonly workers = new Set<Worker>();
  private readonly events: EventBus;
  private readonly logger: Logger;
  /** The clock this instance passes to its store (the system clock unless a test gave one). */
  readonly clock: Clock;
  private readonly maxPayloadBytes: number;
  private readonly keepCompleted: ResolvedRetention;
  private readonly keepDead: ResolvedRetention;
  private closed = false;

  constructor(options: ErrandOptions = {}) {
    checkOptions(options);
    this.storeSource = options.store ?? process.env.ERRAND_STORE ?? DEFAULT_STORE_URL;
    if (typeof this.storeSource === "string") parseStoreUrl(this.storeSource);
    else if (typeof this.storeSource !== "object" || this.storeSource === null) {
      throw new ConfigError("store must be a URL string or a Store instance.");
    }
    this.logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger);
    this.clock = options.clock ?? systemClock;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.keepCompleted = resolveRetention(options.keepCompleted, "1d", "keepCompleted");
    this.keepDead = resolveRetention(options.keepDead, "30d", "keepDead");
    this.events = new EventBus(() => this.store(), randomUUID(), this.logger);
    const admin = { store: () => this.store(), clock: this.clock, events: this.events };
    this.jobs = new JobsAdmin(admin);
    this.queues = new QueuesAdmin(admin);
    this.tasks = new TasksAdmin(admin);
    this.scheduleAdmin = new SchedulesAdmin({
      store: admin.store,
      clock: this.clock,
      tasks: this.declared,
      maxPayloadBytes: this.maxPayloadBytes,
    });
    this.schedules = { list: () => this.scheduleAdmin.list() };
  }

  /** The store, opened and migrated on first use. */
  store(): Promise<Store> {
    if (this.closed) return Promise.reject(new ConfigError("This Errand instance is closed."));
    this.storePromise ??= (async () => {
      const opened = typeof this.storeSource === "string";
      const store = opened
        ? await openStore(this.storeSource as string, { logger: this.logger })
        : (this.storeSource as Store);
      try {
        await store.migrate();
      } catch (error) {
        // A store opened from a URL here holds a connection that would keep retrying: release it.
        if (opened) await store.close().catch(() => undefined);
        throw error;
      }
      return store;
    })().catch((error: unknown) => {
      // Not cached: the next call tries again, so a store that was down at start is picked up later.
      this.storePromise = null;
      throw error;
    });
    return this.storePromise;
  }

  /** Brings the store's schema up to date. Runs on first use anyway. */
  async migrate(): Promise<void> {
    await (await this.store()).migrate();
  }

  /** Declares a task whose payload type comes from a Standard Schema. */
  task<TSchema extends StandardSchemaV1, TResult = unknown>(
    options: SchemaTaskOptions<TSchema, TResult>,
  ): Task<StandardSchemaV1.InferInput<TSchema>, Awaited<TResult>>;
  /** Declares a task whose payload type is given as a type parameter. */
  task<TData = unknown, TResult = unknown>(
    options: PlainTaskOptions<TData, TResult>,
  ): Task<TData, Awaited<TResult>>;
  task(
    options: SchemaTaskOptions<StandardSchemaV1, unknown> | PlainTaskOptions<unknown, unknown>,
  ): Task {
    const definition = resolveTaskOptions(options);
    if (this.declared.has(definition.name)) {
      throw new ConfigError(
        `A task named "${definition.name}" is already declared on this Errand instance.`,
      );
    }
    this.declared.set(definition.name, definition);
    return new Task(definition, this);
  }

  /**
   * Enqueues a job by task name. When the task is declared in this process its schema
   * and defaults apply; otherwise the payload only has to be JSON and `queue` may be given.
   */
  async enqueue<TResult = unknown>(
    name: string,
    data: unknown,
    options?: EnqueueOptions,
  ): Promise<Job<TResult>> {
    if (typeof name !== "string" || name.length === 0)
      throw new ValidationError("enqueue(name, data): name must be a task name.");
    const task = this.declared.get(name) ?? null;
    const items = [options === undefined ? { data } : { data, options }];
    const [job] = await this.enqueueNamed(name, task, items);
    return job as Job<TResult>;
  }

  /** Used by `Task`: validates every item first, then writes them in one atomic call. */
  async enqueueJobs(
    task: TaskDefinition,
    items: { data: unknown; options?: EnqueueOptions }[],
  ): Promise<Job[]> {
    return this.enqueueNamed(task.name, task, items);
  }

  private async enqueueNamed(
    name: string,
    task: TaskDefinition | null,
    items: { data: unknown; options?: EnqueueOptions }[],
  ): Promise<Job[]> {
    if (!Array.isArray(items))
      throw new ValidationError("enqueueMany takes an array of { data, options }.");
    const build = (item: (typeof items)[number]) =>
      buildNewJob(name, task, item?.data, item?.options, this.maxPayloadBytes);
    // One item, the common case, skips Promise.all and the Set: both showed in its profile.
    const jobs =
      items.length === 1
        ? [await build(items[0] as (typeof items)[number])]
        : await Promise.all(items.map(build));
    if (jobs.length === 0) return [];
    let tx: unknown = (items[0] as (typeof items)[number]).options?.tx;
    if (items.length > 1) {
      const txs = new Set(items.map((item) => item.options?.tx));
      if (txs.size > 1)
        throw new ValidationError("All jobs of one enqueueMany must share the same tx (or none).");
      [tx] = txs;
    }
    const store = await this.store();
    if (tx !== undefined && !store.capabilities.transactionalEnqueue) {
      throw new ValidationError(
        `The ${store.kind} store cannot enqueue inside your transaction; leave out tx.`,
      );
    }
    const now = this.clock.storeNow();
    const storePublishes = tx === undefined && store.capabilities.publishesEnqueued;
    const results = await store.enqueue({
      jobs,
      ...(tx === undefined ? {} : { tx }),
      ...(storePublishes ? { origin: this.events.ownOrigin } : {}),
      ...(now === undefined ? {} : { now }),
    });
    // Jobs enqueued in the caller's transaction may yet roll back: the store announces
    // them itself, with the commit (see EnqueueParams.tx), and listeners here hear them
    // through the store like everyone else's.
    if (tx === undefined) {
      const at = this.clock.now();
      const events = results.flatMap((r, i) =>
        r.created
          ? [
              {
                type: "enqueued" as const,
                jobId: r.id,
                name,
                queue: (jobs[i] as (typeof jobs)[number]).queue,
                at,
              },
            ]
          : [],
      );
      // A store that published them with the insert spared a round trip: deliver here only.
      if (storePublishes) this.events.emitLocal(events);
      else this.events.emit(events);
    }
    const wait = (id: string, timeout: Duration | undefined) =>
      waitForResult(
        { store: () => this.store(), events: this.events, clock: this.clock },
        id,
        timeout,
      );
    return results.map(
      (r, i) =>
        new Job(
          {
            id: r.id,
            name,
            queue: (jobs[i] as (typeof jobs)[number]).queue,
            created: r.created,
            state: r.state,
          },
          wait,
        ),
    );
  }

  /**
   * Starts a worker in this process. Returns at once; claiming runs in the background
   * until `worker.close()` or `errand.close()`.
   */
  work(options: WorkOptions = {}): Worker {
    if (this.closed) throw new ConfigError("This Errand instance is closed.");
    const handlerQueues = [...this.declared.values()].filter((t) => t.handler).map((t) => t.queue);
    const resolved = resolveWorkOptions(options, [...new Set(handlerQueues)]);
    const worker = new Worker(
      () => this.store(),
      (store) =>
        new WorkerRuntime(
          {
            store,
            clock: this.clock,
            events: this.events,
            logger: this.logger,
            tasks: this.declared,
            maxPayloadBytes: this.maxPayloadBytes,
            keepCompleted: this.keepCompleted,
            keepDead: this.keepDead,
          },
          resolved,
        ),
      this.logger,
      (w) => this.workers.delete(w),
    );
    this.workers.add(worker);
    return worker;
  }

  /**
   * Creates or updates the cron schedule `name`, kept in the store so every process sees
   * it. Workers (in any process) enqueue each occurrence exactly once. Updating a schedule
   * with the same cron and tz keeps its next occurrence. Throws ValidationError for a bad
   * cron, time zone, task name, payload or option, and writes nothing.
   */
  async schedule(name: string, options: ScheduleOptions): Promise<void> {
    await this.scheduleAdmin.upsert(name, options);
  }

  /** Deletes the schedule `name`; jobs it already enqueued stay. False when there was none. */
  async unschedule(name: string): Promise<boolean> {
    return this.scheduleAdmin.remove(name);
  }

  /** Listens for an event from any process connected to the store. */
  on(type: EventType, listener: EventListenerFn): this {
    this.events.on(type, listener);
    return this;
  }

  /** Stops listening. */
  off(type: EventType, listener: EventListenerFn): this {
    this.events.off(type, listener);
    return this;
  }

  /** Closes this instance's workers (with their default grace), events and store connection. */
  async close(options: { grace?: Duration } = {}): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.workers].map((w) => w.close(options)));
    await this.events.close();
    this.closed = true;
    // A Store instance that was given is closed too, even when its first use failed.
    const store = this.storePromise
      ? await this.storePromise.catch(() => null)
      : typeof this.storeSource === "object"
        ? this.storeSource
        : null;
    await store?.close();
  }
}
