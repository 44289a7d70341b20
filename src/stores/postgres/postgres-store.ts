import pg from "pg";

import { StoreUnavailableError } from "../../errors.ts";
import { JOB_STATES, type JobState, type QueueCounts } from "../../job.ts";
import { type Logger, silentLogger } from "../../logger.ts";
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
  SubscribeOptions,
  UpsertScheduleParams,
} from "../contract.ts";
import { PgClaimer } from "./claim.ts";
import { enqueueBatch, enqueueInCallerTransaction, type EnqueueTarget } from "./enqueue.ts";
import { PgListener } from "./listener.ts";
import { checkSchema, migrateSchema } from "./migrate.ts";
import { encodeBatch } from "./notify-payload.ts";
import { inTransaction, type Queryable } from "./pg-client.ts";
import { rethrowPgError } from "./pg-errors.ts";
import { Statements } from "./prepared.ts";
import { pruneFinished } from "./prune.ts";
import { insertRawParams, ms, settleParams } from "./query-params.ts";
import { appliedSlots, type JobRow, rowId, toJobRecord } from "./rows.ts";
import * as schedules from "./schedules.ts";
import { checkSchemaName, DEFAULT_SCHEMA } from "./schema-name.ts";
import { channelOf, migrationsFor, type Queries, queriesFor, type QueryName } from "./sql-files.ts";
import { checkOptions, ownPool, poolSettings, type PostgresStoreOptions } from "./store-options.ts";

/**
 * The PostgreSQL store: many processes on many machines share one schema. Claims lock
 * rows FOR UPDATE SKIP LOCKED, every transition is one statement (or one transaction),
 * times come from the database's clock, and wake-ups and events travel by LISTEN/NOTIFY.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  readonly capabilities: StoreCapabilities = {
    transactionalEnqueue: true,
    multiProcess: true,
    multiMachine: true,
    crossProcessEvents: true,
    publishesEnqueued: true,
    durable: true,
  };
  /** The schema this store works in. */
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly sql: Queries;
  /** The queries as they run on this store's pool: prepared when the pool is its own. */
  private readonly statements: Statements;
  /** The queries and schema, as enqueue and schedules take them. */
  private readonly target: EnqueueTarget;
  private readonly claimer: PgClaimer;
  private readonly channel: string;
  private readonly listener: PgListener;
  private readonly autoMigrate: boolean;
  private readonly logger: Logger;
  private readonly onPoolError: (error: Error) => void;
  private migrated: Promise<void> | null = null;
  private closed = false;

  constructor(options: PostgresStoreOptions = {}) {
    checkOptions(options);
    this.schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    this.sql = queriesFor(this.schema);
    this.channel = channelOf(this.schema);
    this.autoMigrate = options.migrate ?? true;
    this.logger = options.logger ?? silentLogger;
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? ownPool(poolSettings(options));
    this.statements = new Statements(this.sql, this.ownsPool);
    this.target = { queries: this.sql, statements: this.statements, schema: this.schema };
    this.claimer = new PgClaimer(this.pool, this.statements, this.schema);
    // An idle pooled client whose server went away emits "error" on the pool; unheard,
    // that would crash the process. The next checkout simply makes a new connection.
    this.onPoolError = (error) =>
      this.logger.warn("an idle PostgreSQL connection failed", { error: error.message });
    if (this.ownsPool || this.pool.listenerCount("error") === 0)
      this.pool.on("error", this.onPoolError);
    this.listener = new PgListener({
      makeClient: () => new pg.Client(this.pool.options),
      channel: this.channel,
      listenSql: this.sql.listen,
      onError: (error) =>
        this.logger.warn("the PostgreSQL event listener lost its connection; reconnecting", {
          error: error instanceof Error ? error.message : String(error),
        }),
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError("The PostgreSQL store is closed.");
  }

  /** Runs one query file, mapping connection failures to StoreUnavailableError. */
  private async run<R extends pg.QueryResultRow>(
    name: QueryName,
    values: unknown[],
    db: Queryable = this.pool,
  ): Promise<pg.QueryResult<R>> {
    this.assertOpen();
    try {
      return await this.statements.query<R>(db, name, values);
    } catch (error) {
      return rethrowPgError(error);
    }
  }

  /** Runs a multi-statement operation, mapping connection failures to StoreUnavailableError. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await fn();
    } catch (error) {
      return rethrowPgError(error);
    }
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    this.migrated ??= (
      this.autoMigrate
        ? migrateSchema(this.pool, this.sql, migrationsFor(this.schema), this.schema)
        : checkSchema(this.pool, this.sql, migrationsFor(this.schema), this.schema)
    ).catch((error: unknown) => {
      this.migrated = null;
      return rethrowPgError(error);
    });
    await this.migrated;
  }

  async enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    this.assertOpen();
    if (params.jobs.length === 0) return [];
    const now = params.now === undefined ? undefined : ms(params.now);
    try {
      if (params.tx !== undefined) {
        return await enqueueInCallerTransaction(
          params.tx,
          this.target,
          this.channel,
          params.jobs,
          now,
        );
      }
      const announce =
        params.origin === undefined ? undefined : { channel: this.channel, origin: params.origin };
      const run = (db: Queryable) => enqueueBatch(db, this.target, params.jobs, now, announce);
      // Without keys the batch is one INSERT, atomic by itself; with keys the holder
      // lookup must see the same transaction.
      return params.jobs.some((job) => job.key !== null)
        ? await inTransaction(this.pool, run)
        : await run(this.pool);
    } catch (error) {
      return rethrowPgError(error);
    }
  }

  async claim(params: ClaimParams): Promise<ClaimResult> {
    this.assertOpen();
    return this.claimer.claim(params);
  }

  async extend(params: ExtendParams): Promise<boolean[]> {
    if (params.leases.length === 0) return [];
    const { rows } = await this.run<{ ords: number[] }>("extend", [
      params.leases.map((l) => rowId(l.id)),
      params.leases.map((l) => l.token),
      ms(params.leaseMs),
      params.now === undefined ? null : ms(params.now),
    ]);
    return appliedSlots(
      params.leases.length,
      rows.flatMap((r) => r.ords),
    );
  }

  async settle(params: SettleParams): Promise<boolean[]> {
    if (params.outcomes.length === 0) return [];
    const { rows } = await this.run<{ ord: number }>("settle", settleParams(params));
    return appliedSlots(
      params.outcomes.length,
      rows.map((r) => r.ord),
    );
  }

  async rescue(params: RescueParams): Promise<RescuedJob[]> {
    const { rows } = await this.run<Omit<RescuedJob, "id"> & { id: string }>("rescue", [
      params.now === undefined ? null : ms(params.now),
      params.limit,
    ]);
    return rows.map((row) => ({ ...row, id: String(row.id), stalls: Number(row.stalls) }));
  }

  async progress(params: ProgressParams): Promise<boolean[]> {
    if (params.updates.length === 0) return [];
    const { rows } = await this.run<{ ords: number[] }>("progress", [
      params.updates.map((u) => rowId(u.id)),
      params.updates.map((u) => u.token),
      params.updates.map((u) => u.progress),
    ]);
    return appliedSlots(
      params.updates.length,
      rows.flatMap((r) => r.ords),
    );
  }

  async log(params: LogParams): Promise<boolean[]> {
    if (params.entries.length === 0) return [];
    const { rows } = await this.run<{ ords: number[] }>("log", [
      params.entries.map((e) => rowId(e.id)),
      params.entries.map((e) => e.token),
      params.entries.map((e) => e.message),
      params.now === undefined ? null : ms(params.now),
    ]);
    return appliedSlots(
      params.entries.length,
      rows.flatMap((r) => r.ords),
    );
  }

  async get(params: GetParams): Promise<(JobRecord | null)[]> {
    if (params.ids.length === 0) return [];
    const { rows } = await this.run<JobRow>("get", [
      params.ids.map(rowId),
      params.now === undefined ? null : ms(params.now),
    ]);
    const byId = new Map(rows.map((row) => [String(row.id), toJobRecord(row)]));
    return params.ids.map((id) => byId.get(id) ?? null);
  }

  async list(params: ListParams): Promise<ListResult> {
    const { rows } = await this.run<JobRow>("list", [
      params.queue ?? null,
      params.name ?? null,
      params.state ?? null,
      params.cursor === undefined ? null : rowId(params.cursor),
      // One row more than asked tells whether another page exists.
      params.limit + 1,
      params.now === undefined ? null : ms(params.now),
    ]);
    const jobs = rows.slice(0, params.limit).map(toJobRecord);
    const last = jobs[jobs.length - 1];
    return { jobs, cursor: rows.length > params.limit && last ? last.id : null };
  }

  async counts(params: CountsParams): Promise<QueueCounts> {
    const { rows } = await this.run<{ state: JobState; n: number }>("counts", [
      params.queue,
      params.now === undefined ? null : ms(params.now),
    ]);
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as QueueCounts;
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async retry(params: RetryParams): Promise<string[]> {
    const now = params.now === undefined ? null : ms(params.now);
    const values =
      "ids" in params
        ? [params.ids.map(rowId), null, null, null, now]
        : [null, params.filter.state, params.filter.queue ?? null, params.filter.name ?? null, now];
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.run<{ id: string }>("retry", values);
        const moved = new Set(rows.map((r) => String(r.id)));
        return "ids" in params
          ? [...new Set(params.ids)].filter((id) => moved.has(id))
          : [...moved].sort((a, b) => Number(a) - Number(b));
      } catch (error) {
        // A live job took one of the keys after the statement's snapshot: run it again.
        const code = (error as { code?: unknown }).code;
        if (code !== "23505" || attempt >= 3) throw error;
      }
    }
  }

  async cancel(params: CancelParams): Promise<CancelResult[]> {
    if (params.ids.length === 0) return [];
    const { rows } = await this.run<{
      id: string;
      previous: JobState;
      name: string;
      queue: string;
    }>("cancel", [params.ids.map(rowId), params.now === undefined ? null : ms(params.now)]);
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    return params.ids.map((id) => {
      const row = byId.get(id);
      byId.delete(id); // a repeated id finds the job already cancelled
      return row
        ? { id, previous: row.previous, name: row.name, queue: row.queue }
        : { id, previous: null, name: null, queue: null };
    });
  }

  async remove(params: RemoveParams): Promise<boolean[]> {
    if (params.ids.length === 0) return [];
    const { rows } = await this.run<{ id: string }>("remove", [params.ids.map(rowId)]);
    const removed = new Set(rows.map((r) => String(r.id)));
    return params.ids.map((id) => removed.delete(id));
  }

  async prune(params: PruneParams): Promise<number> {
    return pruneFinished(params, (name, values) => this.run(name, values));
  }

  async pause(params: QueueParams): Promise<void> {
    if ("task" in params) await this.run("pause-task", [params.task]);
    else await this.run("pause", [params.queue, true]);
  }

  async resume(params: QueueParams): Promise<void> {
    if ("task" in params) await this.run("resume-task", [params.task]);
    else await this.run("pause", [params.queue, false]);
  }

  async pausedQueues(): Promise<string[]> {
    const { rows } = await this.run<{ queue: string }>("paused-queues", []);
    return rows.map((r) => r.queue);
  }

  async pausedTasks(): Promise<string[]> {
    const { rows } = await this.run<{ name: string }>("paused-tasks", []);
    return rows.map((r) => r.name);
  }

  async block(params: BlockParams): Promise<void> {
    const now = params.now === undefined ? null : ms(params.now);
    await this.run("prune-blocks", [now]);
    await this.run("block", [
      params.queue,
      params.name,
      params.group ?? "",
      ms(params.delayMs),
      now,
    ]);
  }

  async upsertSchedule(params: UpsertScheduleParams): Promise<void> {
    await this.guard(() => schedules.upsertSchedule(this.pool, this.target, params));
  }

  async removeSchedule(params: { name: string }): Promise<boolean> {
    const { rows } = await this.run("remove-schedule", [params.name]);
    return rows.length === 1;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.guard(() => schedules.listSchedules(this.pool, this.target));
  }

  async dueSchedules(params: DueSchedulesParams): Promise<ScheduleRecord[]> {
    return this.guard(() => schedules.dueSchedules(this.pool, this.target, params));
  }

  async fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult> {
    return this.guard(() => schedules.fireSchedule(this.pool, this.target, params));
  }

  async publish(params: PublishParams): Promise<void> {
    if (params.events.length === 0) return;
    const payloads = encodeBatch(params.origin, params.events);
    await this.run("publish-lines", [this.channel, payloads.join("\n")]);
  }

  subscribe(handler: EventHandlerFn, options?: SubscribeOptions): () => void {
    if (this.closed) return () => undefined;
    return this.listener.subscribe(handler, options);
  }

  /** Resolves once this store's LISTEN connection is up; for tests that must not miss events. */
  async listening(): Promise<void> {
    await this.listener.listening();
  }

  async insertRaw(jobs: RawJob[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    const { rows } = await this.run<{ id: string }>("insert-raw", insertRawParams(jobs));
    return rows.map((r) => String(r.id));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
    else this.pool.off("error", this.onPoolError);
  }
}

export type { PostgresStoreOptions };
