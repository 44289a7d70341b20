import { Cluster, type Redis } from "ioredis";

import { ConfigError, StoreUnavailableError } from "../../errors.ts";
import { JOB_STATES, type JobState, type QueueCounts } from "../../job.ts";
import { consoleLogger, errorMessage, type Logger } from "../../logger.ts";
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
  Lease,
  ListParams,
  ListResult,
  LogParams,
  Outcome,
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
  StoreEvent,
  SubscribeOptions,
  UpsertScheduleParams,
} from "../contract.ts";
import { appliedById, rescueJobs, retryByFilter, retryById, runById } from "./by-id.ts";
import { claimJobs } from "./claim-jobs.ts";
import {
  checkEvictionPolicy,
  checkTimeouts,
  connectUrl,
  ensureReady,
  type RedisClient,
  toStoreError,
  watchErrors,
} from "./connection.ts";
import { enqueueJobs } from "./enqueue-jobs.ts";
import {
  DEFAULT_PREFIX,
  groupByQueue,
  indexesByQueue,
  type JobAddress,
  jobId,
  parseJobId,
  RedisKeys,
} from "./keys.ts";
import { checkLayout } from "./layout-version.ts";
import { listJobs } from "./list-jobs.ts";
import { toJobRecord } from "./records.ts";
import { RedisEventStream } from "./redis-events.ts";
import { RedisSchedules } from "./redis-schedules.ts";
import { rawJobArgs, settleRunArgs } from "./script-args.ts";
import { runScript, runScriptsTogether, type ScriptName } from "./script-loader.ts";
import { TaskPauses } from "./task-pauses.ts";

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Your ioredis client or Cluster. The store leaves it open on `close()`. For prompt
   * failures while Redis is down, create it with `enableOfflineQueue: false`.
   */
  client?: Redis | Cluster;
  /** A `redis://` or `rediss://` URL, when the store opens its own connection. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Prefix of every key. Default `"errand"`; stores with different prefixes share nothing. */
  prefix?: string;
  /** Where connection trouble and configuration warnings go. Default: warnings to stderr. */
  logger?: Logger;
  /**
   * For the connection the store opens from `url` (give your own client its own
   * `commandTimeout`): how long a command may wait for its reply before the call fails
   * with StoreUnavailableError and the connection is replaced. The event reader's
   * blocking reads get this plus their block time. Default 10 s.
   */
  commandTimeoutMs?: number;
  /** TCP keep-alive of the store's own connection, as the idle time before the first probe. Default 10 s; 0 is off. */
  keepAliveMs?: number;
}

/** How long a call waits for a connection that is being opened. */
const CONNECT_WAIT_MS = 2_000;

type Update = ProgressParams["updates"][number];
type Entry = LogParams["entries"][number];

/**
 * The Redis store: every state transition is one Lua script on one queue's keys, which
 * share a hash tag, so it runs on a single server or on Redis Cluster. See docs/redis.md.
 */
export class RedisStore implements Store {
  readonly kind = "redis";
  readonly capabilities: StoreCapabilities = {
    transactionalEnqueue: false,
    multiProcess: true,
    multiMachine: true,
    crossProcessEvents: true,
    publishesEnqueued: true,
    durable: true,
  };
  private readonly client: RedisClient;
  private readonly ownsClient: boolean;
  private readonly keys: RedisKeys;
  private readonly logger: Logger;
  private readonly events: RedisEventStream;
  private readonly unwatch: () => void;
  private readonly knownQueues = new Set<string>();
  private readonly taskPauses: TaskPauses;
  private readonly schedules: RedisSchedules;
  private policyCheck: Promise<void> | null = null;
  private policyChecked = false;
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    if (options.client && options.url)
      throw new ConfigError("RedisStore takes either a client or a url, not both.");
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== "string" || prefix === "" || /[{}]/.test(prefix))
      throw new ConfigError('RedisStore: prefix must be a non-empty string without "{" or "}".');
    this.logger = options.logger ?? consoleLogger;
    this.ownsClient = !options.client;
    const timeouts = checkTimeouts(options);
    this.client = options.client ?? connectUrl(options.url ?? "redis://127.0.0.1:6379", timeouts);
    this.keys = new RedisKeys(prefix);
    this.unwatch = watchErrors(this.client, this.logger, "Redis");
    this.events = new RedisEventStream(this.client, this.keys.events, this.logger, () =>
      this.ready(),
    );
    const readHash = (key: string) => this.call((client) => client.hgetall(key));
    const allQueues = () => this.allQueues();
    this.taskPauses = new TaskPauses({ keys: this.keys, runOn: this.runOn, readHash, allQueues });
    this.schedules = new RedisSchedules({
      keys: this.keys,
      runOn: this.runOn,
      command: (fn) => this.call(fn),
      registerQueues: (queues) => this.registerQueues(queues),
    });
  }

  /** Connects on first use; warns once about an eviction policy that can lose jobs. */
  private async ready(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("The Redis store is closed.");
    await ensureReady(this.client, CONNECT_WAIT_MS);
    this.policyCheck ??= checkEvictionPolicy(this.client, this.logger)
      .catch(() => undefined)
      .then(() => {
        this.policyChecked = true;
      });
    await this.policyCheck;
  }

  /**
   * Runs a client call once the connection is ready, mapping connection failures. On an
   * open connection it goes straight to the client: every enqueue passes here, and the
   * awaits of `ready` were a measurable share of a single enqueue's CPU.
   */
  private call<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.policyChecked && !this.closed && this.client.status === "ready") {
      return this.attempt(fn);
    }
    return this.ready().then(() => this.attempt(fn));
  }

  private async attempt<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private readonly runOn = (
    name: ScriptName,
    base: string,
    args: (string | number)[],
  ): Promise<unknown> => this.call((client) => runScript(client, name, base, args));

  private readonly run = (
    name: ScriptName,
    queue: string,
    args: (string | number)[],
  ): Promise<unknown> => this.runOn(name, this.keys.queue(queue), args);

  /**
   * Records queue names so that listings, counts and rescues across queues find them, and
   * gives each queue its copy of the paused tasks (see task-pauses.ts).
   */
  private async registerQueues(queues: string[]): Promise<void> {
    const fresh = [...new Set(queues)].filter((q) => !this.knownQueues.has(q));
    if (fresh.length === 0) return;
    await this.call((client) => client.sadd(this.keys.queues, ...fresh));
    await this.taskPauses.copyTo(fresh);
    for (const queue of fresh) this.knownQueues.add(queue);
  }

  private allQueues(): Promise<string[]> {
    return this.call((client) => client.smembers(this.keys.queues));
  }

  migrate(): Promise<void> {
    return checkLayout((fn) => this.call(fn), this.keys);
  }

  enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    return enqueueJobs(
      {
        keys: this.keys,
        streamInScript: !(this.client instanceof Cluster),
        knownQueues: this.knownQueues,
        registerQueues: (queues) => this.registerQueues(queues),
        runTogether: (calls) => this.call((client) => runScriptsTogether(client, calls)),
        publish: (origin, events) => this.publishAfterEnqueue(origin, events),
      },
      params,
    );
  }

  /**
   * Where the enqueue script could not publish its events: the jobs are written by now, so
   * a failure here is logged, not thrown (an enqueue retried on it would duplicate them).
   */
  private async publishAfterEnqueue(origin: string, events: StoreEvent[]): Promise<void> {
    try {
      await this.call(() => this.events.publish(origin, events));
    } catch (error) {
      this.logger.warn("could not publish enqueued events to other processes", {
        error: errorMessage(error),
      });
    }
  }

  claim(params: ClaimParams): Promise<ClaimResult> {
    return claimJobs(this.run, params);
  }

  extend(params: ExtendParams): Promise<boolean[]> {
    const { leases } = params;
    return appliedById(
      this.run,
      leases.map((lease) => lease.id),
      "extend",
      [params.now ?? "", params.leaseMs],
      (i, n) => [n, (leases[i] as Lease).token],
    );
  }

  /** One settle script per queue, its outcomes sent as runs of one kind (settleRunArgs). */
  async settle(params: SettleParams): Promise<boolean[]> {
    const { outcomes } = params;
    const applied = outcomes.map(() => false);
    await Promise.all(
      [...groupByQueue(outcomes.map((outcome) => outcome.id))].map(async ([queue, items]) => {
        const args: (string | number)[] = [params.now ?? ""];
        args.push(
          ...settleRunArgs(
            items.map((item) => outcomes[item.index] as Outcome),
            items.map((item) => item.n),
          ),
        );
        const replies = (await this.run("settle", queue, args)) as number[];
        items.forEach((item, i) => (applied[item.index] = replies[i] === 1));
      }),
    );
    return applied;
  }

  async rescue(params: RescueParams): Promise<RescuedJob[]> {
    const queues = await this.allQueues();
    const busy = await this.call((client) =>
      Promise.all(queues.map((q) => client.zcard(`${this.keys.queue(q)}leases`))),
    );
    // Only queues holding leases are visited.
    return rescueJobs(
      this.run,
      queues.filter((_, i) => busy[i] !== 0),
      params,
    );
  }

  progress(params: ProgressParams): Promise<boolean[]> {
    const { updates } = params;
    return appliedById(
      this.run,
      updates.map((u) => u.id),
      "progress",
      [],
      (i, n) => [n, (updates[i] as Update).token, (updates[i] as Update).progress],
    );
  }

  log(params: LogParams): Promise<boolean[]> {
    const { entries } = params;
    return appliedById(
      this.run,
      entries.map((e) => e.id),
      "log",
      [params.now ?? ""],
      (i, n) => [n, (entries[i] as Entry).token, (entries[i] as Entry).message],
    );
  }

  async get(params: GetParams): Promise<(JobRecord | null)[]> {
    const replies = await runById(this.run, params.ids, "get", [params.now ?? ""], (_, n) => [n]);
    return replies.map((reply, i) =>
      reply === undefined
        ? null
        : toJobRecord(
            reply as unknown[],
            (parseJobId(params.ids[i] as string) as JobAddress).queue,
          ),
    );
  }

  async list(params: ListParams): Promise<ListResult> {
    const queues = params.queue === undefined ? await this.allQueues() : [params.queue];
    return listJobs(this.run, queues, params);
  }

  async counts(params: CountsParams): Promise<QueueCounts> {
    const reply = (await this.run("counts", params.queue, [params.now ?? ""])) as number[];
    return Object.fromEntries(JOB_STATES.map((state, i) => [state, reply[i] ?? 0])) as QueueCounts;
  }

  async retry(params: RetryParams): Promise<string[]> {
    if ("ids" in params) return retryById(this.run, params.ids, params.now);
    const { queue } = params.filter;
    const queues = queue === undefined ? await this.allQueues() : [queue];
    return retryByFilter(this.run, queues, params.filter, params.now);
  }

  async cancel(params: CancelParams): Promise<CancelResult[]> {
    const replies = await runById(this.run, params.ids, "cancel", [params.now ?? ""], (_, n) => [
      n,
    ]);
    return params.ids.map((id, i) => {
      const [previous, name] = (replies[i] ?? ["", ""]) as [JobState | "", string];
      return previous === ""
        ? { id, previous: null, name: null, queue: null }
        : { id, previous, name, queue: (parseJobId(id) as JobAddress).queue };
    });
  }

  remove(params: RemoveParams): Promise<boolean[]> {
    return appliedById(this.run, params.ids, "remove", [], (_, n) => [n]);
  }

  async prune(params: PruneParams): Promise<number> {
    let left = params.limit;
    for (const queue of new Set(params.queues)) {
      if (left <= 0) break;
      const { completed: c, failed: f } = params;
      const args = [c.before ?? "", c.keep ?? "", f.before ?? "", f.keep ?? "", left];
      left -= (await this.run("prune", queue, args)) as number;
    }
    return params.limit - left;
  }

  async pause(params: QueueParams): Promise<void> {
    if ("task" in params) return this.taskPauses.set(params.task, true);
    await this.registerQueues([params.queue]);
    await this.call((client) => client.hset(`${this.keys.queue(params.queue)}meta`, "paused", 1));
  }

  async resume(params: QueueParams): Promise<void> {
    if ("task" in params) return this.taskPauses.set(params.task, false);
    await this.call((client) => client.hdel(`${this.keys.queue(params.queue)}meta`, "paused"));
  }

  pausedTasks(): Promise<string[]> {
    return this.taskPauses.paused();
  }

  async block(params: BlockParams): Promise<void> {
    const args = [params.now ?? "", params.name, params.group ?? "", params.delayMs];
    await this.run("block", params.queue, args);
  }

  upsertSchedule(params: UpsertScheduleParams): Promise<void> {
    return this.schedules.upsert(params);
  }

  removeSchedule(params: { name: string }): Promise<boolean> {
    return this.schedules.remove(params.name);
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.schedules.list();
  }

  dueSchedules(params: DueSchedulesParams): Promise<ScheduleRecord[]> {
    return this.schedules.due(params);
  }

  fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult> {
    return this.schedules.fire(params);
  }

  async pausedQueues(): Promise<string[]> {
    const queues = await this.allQueues();
    const flags = await this.call((client) =>
      Promise.all(queues.map((q) => client.hget(`${this.keys.queue(q)}meta`, "paused"))),
    );
    return queues.filter((_, i) => flags[i] !== null).sort();
  }

  async publish(params: PublishParams): Promise<void> {
    if (params.events.length === 0) return;
    await this.call(() => this.events.publish(params.origin, params.events));
  }

  subscribe(handler: EventHandlerFn, options?: SubscribeOptions): () => void {
    if (this.closed) return () => undefined;
    return this.events.subscribe(handler, options);
  }

  async insertRaw(jobs: RawJob[]): Promise<string[]> {
    const byQueue = indexesByQueue(jobs, (job) => job.queue ?? "default");
    await this.registerQueues([...byQueue.keys()]);
    const ids: string[] = new Array(jobs.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const args = [queue, ...indexes.flatMap((i) => rawJobArgs(jobs[i] as RawJob))];
        const ns = (await this.run("insert-raw", queue, args)) as number[];
        indexes.forEach((index, i) => (ids[index] = jobId(ns[i] as number, queue)));
      }),
    );
    return ids;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.stop();
    this.unwatch();
    if (!this.ownsClient) return;
    // A connection closed mid-reconnect still reports its failed handshake; with no
    // listener left, ioredis would print it as an unhandled error event.
    this.client.on("error", () => undefined);
    try {
      if (this.client.status === "ready") await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}
