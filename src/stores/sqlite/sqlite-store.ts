import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import Database from "better-sqlite3";

import { StoreUnavailableError } from "../../errors.ts";
import { FINISHED_STATES, JOB_STATES, type JobState, type QueueCounts } from "../../job.ts";
import type { StoreCapabilities } from "../capabilities.ts";
import type {
  BlockParams,
  CancelParams,
  CancelResult,
  ClaimParams,
  ClaimResult,
  CountsParams,
  DueSchedulesParams,
  EnqueueParams,
  EnqueueResult,
  EventHandlerFn,
  ExtendParams,
  FireScheduleParams,
  FireScheduleResult,
  GetParams,
  JobRecord,
  ListParams,
  ListResult,
  LogParams,
  ProgressParams,
  PruneParams,
  PruneRule,
  PublishParams,
  QueueParams,
  RawJob,
  RemoveParams,
  RescuedJob,
  RescueParams,
  RetryParams,
  ScheduleRecord,
  SettleParams,
  Store,
  StoreEvent,
  SubscribeOptions,
  UpsertScheduleParams,
} from "../contract.ts";
import { claimJobs } from "./claim.ts";
import { enqueuedEvents, enqueueJob } from "./enqueue.ts";
import { EventOutbox } from "./event-outbox.ts";
import { insertRawJob } from "./insert-raw.ts";
import { retryWhileBusy } from "./lock-wait.ts";
import { migrateSqlite } from "./migrate.ts";
import { type JobRow, rowId, toJobRecord } from "./rows.ts";
import * as schedules from "./schedules.ts";
import { settleMany } from "./settle.ts";
import { SqliteEventLog } from "./sqlite-events.ts";
import { prepareStatements, type Statements } from "./statements.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file, or `":memory:"` for a private in-process database. */
  path: string;
  /** How long a write waits for another process's write to finish. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `"normal"` (default) survives any process crash, but an operating-system crash or
   * power loss can lose the last commits; `"full"` survives those too, at the cost of an
   * fsync per commit.
   */
  synchronous?: "normal" | "full";
  /**
   * How often a listening process checks for events written by others when its watch on
   * the `-wal` file reports nothing. Default 50 ms.
   */
  eventPollMs?: number;
}

const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT)/;

function unavailable(error: unknown): never {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && SQLITE_UNAVAILABLE.test(code)) {
    throw new StoreUnavailableError(
      `The SQLite database is unavailable (${code}): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  throw error;
}

/**
 * The embedded store: one SQLite file in WAL mode, shared safely by several processes on
 * one machine. Every write runs in an IMMEDIATE transaction, so writers queue on the
 * file lock (up to the busy timeout) instead of failing halfway.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly capabilities: StoreCapabilities;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly events: SqliteEventLog;
  private readonly outbox: EventOutbox;
  private readonly busyTimeoutMs: number;
  private readonly checkpointer: WalCheckpointer | null;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    const memory = options.path === ":memory:";
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    try {
      this.db = new Database(options.path, { timeout: this.busyTimeoutMs });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
      this.db.pragma("foreign_keys = ON");
      migrateSqlite(this.db);
      // From here on the store waits for locks itself, in finer steps (see lock-wait.ts).
      this.db.pragma("busy_timeout = 0");
    } catch (error) {
      unavailable(error);
    }
    this.sql = prepareStatements(this.db);
    this.events = new SqliteEventLog(
      this.sql,
      options.eventPollMs ?? 50,
      memory ? null : `${options.path}-wal`,
      () => undefined,
    );
    this.outbox = new EventOutbox(() => this.write(() => undefined), 1);
    this.checkpointer = memory
      ? null
      : new WalCheckpointer(options.path, this.busyTimeoutMs, (pages) => {
          if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${pages}`);
        });
    this.capabilities = {
      transactionalEnqueue: false,
      multiProcess: !memory,
      multiMachine: false,
      crossProcessEvents: !memory,
      // In memory there is no one else to tell: publishing is a no-op, so this holds too.
      publishesEnqueued: true,
      durable: !memory,
    };
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction, mapping lock and I/O failures to
   * StoreUnavailableError. Event batches waiting in the outbox are written in the same
   * transaction; if it rolls back they wait for the next one.
   */
  private write<T>(fn: () => T): T {
    this.assertOpen();
    this.checkpointer?.ensureStarted();
    const batches = this.outbox.take();
    let result: T;
    const transaction = this.db.transaction(() => {
      if (batches.length > 0) this.events.append(batches, Date.now());
      return fn();
    });
    try {
      // A busy failure rolled the transaction back: trying it again whole is safe.
      result = retryWhileBusy(() => transaction.immediate(), this.busyTimeoutMs);
    } catch (error) {
      this.outbox.putBack(batches);
      return unavailable(error);
    }
    for (const batch of batches) batch.resolve();
    return result;
  }

  private read<T>(fn: () => T): T {
    this.assertOpen();
    try {
      return retryWhileBusy(fn, this.busyTimeoutMs);
    } catch (error) {
      return unavailable(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError("The SQLite store is closed.");
  }

  /**
   * The store's clock: the machine's time as SQLite reads it, never JavaScript's `Date`,
   * which a process may have skewed or faked (rule 4).
   */
  private storeNow(): number {
    return this.read(() => (this.sql.now.get() as { now: number }).now);
  }

  async migrate(): Promise<void> {
    this.write(() => migrateSqlite(this.db));
  }

  async enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    const now = params.now ?? this.storeNow();
    const origin = this.capabilities.crossProcessEvents ? params.origin : undefined;
    let announced: StoreEvent[] = [];
    const results = this.write(() => {
      const created = params.jobs.map((job) => enqueueJob(this.sql, job, now));
      if (origin !== undefined) {
        // The batch publish() would write, in the insert's own transaction: other
        // processes hear of the jobs with their commit, and no second commit is spent.
        announced = enqueuedEvents(params.jobs, created, now);
        if (announced.length > 0) this.events.append([{ origin, events: announced }], now);
      }
      return created;
    });
    // As publish() does: this store's own subscribers hear the batch in memory.
    if (origin !== undefined && announced.length > 0) this.events.delivered(origin, announced);
    return results;
  }

  async claim(params: ClaimParams): Promise<ClaimResult> {
    // The clock is read once the write lock is held, so claims from several processes see
    // time move forward in the order they run: a rate window never misses a start.
    return this.write(() => claimJobs(this.sql, params, params.now ?? this.storeNow()));
  }

  async extend(params: ExtendParams): Promise<boolean[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() =>
      params.leases.map(
        (lease) =>
          this.sql.extend.run({
            id: rowId(lease.id),
            token: lease.token,
            now,
            leaseMs: params.leaseMs,
          }).changes === 1,
      ),
    );
  }

  async settle(params: SettleParams): Promise<boolean[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() => settleMany(this.sql, params.outcomes, now));
  }

  async rescue(params: RescueParams): Promise<RescuedJob[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() =>
      (
        this.sql.rescue.all({ now, limit: params.limit }) as (Omit<RescuedJob, "id"> & {
          id: number;
        })[]
      ).map((row) => ({ ...row, id: String(row.id) })),
    );
  }

  async progress(params: ProgressParams): Promise<boolean[]> {
    return this.write(() =>
      params.updates.map(
        (u) =>
          this.sql.progress.run({ id: rowId(u.id), token: u.token, progress: u.progress })
            .changes === 1,
      ),
    );
  }

  async log(params: LogParams): Promise<boolean[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() =>
      params.entries.map(
        (e) =>
          this.sql.log.run({ id: rowId(e.id), token: e.token, message: e.message, now }).changes ===
          1,
      ),
    );
  }

  async get(params: GetParams): Promise<(JobRecord | null)[]> {
    const now = params.now ?? this.storeNow();
    return this.read(() =>
      params.ids.map((id) => {
        const row = this.sql.get.get({ id: rowId(id), now }) as JobRow | undefined;
        return row ? toJobRecord(row) : null;
      }),
    );
  }

  async list(params: ListParams): Promise<ListResult> {
    const now = params.now ?? this.storeNow();
    const rows = this.read(
      () =>
        this.sql.list.all({
          queue: params.queue ?? null,
          name: params.name ?? null,
          state: params.state ?? null,
          cursor: params.cursor === undefined ? null : rowId(params.cursor),
          // One row more than asked tells whether another page exists.
          limit: params.limit + 1,
          now,
        }) as JobRow[],
    );
    const jobs = rows.slice(0, params.limit).map(toJobRecord);
    const last = jobs[jobs.length - 1];
    return { jobs, cursor: rows.length > params.limit && last ? last.id : null };
  }

  async counts(params: CountsParams): Promise<QueueCounts> {
    const now = params.now ?? this.storeNow();
    const rows = this.read(
      () => this.sql.counts.all({ queue: params.queue, now }) as { state: JobState; n: number }[],
    );
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as QueueCounts;
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async retry(params: RetryParams): Promise<string[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() => {
      const ids =
        "ids" in params
          ? params.ids.map(rowId)
          : (
              this.sql["retry-select"].all({
                state: params.filter.state,
                queue: params.filter.queue ?? null,
                name: params.filter.name ?? null,
              }) as { id: number }[]
            ).map((r) => r.id);
      return ids
        .filter((id) => id !== null && this.sql.retry.run({ id, now }).changes === 1)
        .map(String);
    });
  }

  async cancel(params: CancelParams): Promise<CancelResult[]> {
    const now = params.now ?? this.storeNow();
    return this.write(() =>
      params.ids.map((id) => {
        const key = rowId(id);
        const before = this.sql["state-of"].get({ id: key, now }) as
          { state: JobState } | undefined;
        const row = this.sql.cancel.get({ id: key, now }) as
          { name: string; queue: string } | undefined;
        return row
          ? { id, previous: before?.state ?? null, name: row.name, queue: row.queue }
          : { id, previous: null, name: null, queue: null };
      }),
    );
  }

  async remove(params: RemoveParams): Promise<boolean[]> {
    return this.write(() =>
      params.ids.map((id) => this.sql.remove.run({ id: rowId(id) }).changes === 1),
    );
  }

  async prune(params: PruneParams): Promise<number> {
    const failed = JSON.stringify(FINISHED_STATES.filter((s) => s !== "completed"));
    return this.write(() => {
      let left = params.limit;
      for (const queue of params.queues) {
        left -= this.pruneRule(queue, '["completed"]', params.completed, left);
        left -= this.pruneRule(queue, failed, params.failed, left);
      }
      return params.limit - left;
    });
  }

  private pruneRule(queue: string, states: string, rule: PruneRule, limit: number): number {
    let deleted = 0;
    if (limit > 0 && rule.before !== null) {
      deleted += this.sql["prune-age"].run({ queue, states, before: rule.before, limit }).changes;
    }
    if (limit - deleted > 0 && rule.keep !== null) {
      deleted += this.sql["prune-count"].run({
        queue,
        states,
        keep: rule.keep,
        limit: limit - deleted,
      }).changes;
    }
    return deleted;
  }

  async pause(params: QueueParams): Promise<void> {
    this.write(() =>
      "task" in params
        ? this.sql["pause-task"].run({ name: params.task })
        : this.sql.pause.run({ queue: params.queue, paused: 1 }),
    );
  }

  async resume(params: QueueParams): Promise<void> {
    this.write(() =>
      "task" in params
        ? this.sql["resume-task"].run({ name: params.task })
        : this.sql.pause.run({ queue: params.queue, paused: 0 }),
    );
  }

  async pausedTasks(): Promise<string[]> {
    return this.read(() =>
      (this.sql["paused-tasks"].all() as { name: string }[]).map((r) => r.name),
    );
  }

  async block(params: BlockParams): Promise<void> {
    const now = params.now ?? this.storeNow();
    this.write(() => {
      this.sql["prune-blocks"].run({ now });
      this.sql.block.run({
        queue: params.queue,
        name: params.name,
        grp: params.group ?? "",
        until: now + params.delayMs,
      });
    });
  }

  async upsertSchedule(params: UpsertScheduleParams): Promise<void> {
    const now = params.now ?? this.storeNow();
    this.write(() => schedules.upsertSchedule(this.sql, params, now));
  }

  async removeSchedule(params: { name: string }): Promise<boolean> {
    return this.write(() => this.sql["remove-schedule"].run({ name: params.name }).changes === 1);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.read(() => schedules.listSchedules(this.sql));
  }

  async dueSchedules(params: DueSchedulesParams): Promise<ScheduleRecord[]> {
    const now = params.now ?? this.storeNow();
    return this.read(() => schedules.dueSchedules(this.sql, params, now));
  }

  async fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult> {
    const now = params.now ?? this.storeNow();
    return this.write(() => schedules.fireSchedule(this.sql, params, now));
  }

  async pausedQueues(): Promise<string[]> {
    return this.read(() =>
      (this.sql["paused-queues"].all() as { queue: string }[]).map((r) => r.queue),
    );
  }

  async publish(params: PublishParams): Promise<void> {
    if (params.events.length === 0 || !this.capabilities.crossProcessEvents) return;
    this.assertOpen();
    // The change each event reports is committed already: this store's own subscribers
    // hear it now; other processes once the outbox has written it.
    this.events.delivered(params.origin, params.events);
    await this.outbox.add(params.origin, params.events);
  }

  subscribe(handler: EventHandlerFn, options: SubscribeOptions = {}): () => void {
    if (!this.capabilities.crossProcessEvents) return () => undefined;
    return this.events.subscribe(handler, options.skipOrigin);
  }

  async insertRaw(jobs: RawJob[]): Promise<string[]> {
    const now = Date.now();
    return this.write(() => jobs.map((job) => insertRawJob(this.sql, job, now)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.outbox.size > 0) {
      try {
        this.write(() => undefined);
      } catch (error) {
        this.outbox.abandon(error);
      }
    }
    this.closed = true;
    this.events.stop();
    // The thread's connection closes first, so the last close can still remove the -wal file.
    await this.checkpointer?.stop();
    this.db.close();
  }
}
