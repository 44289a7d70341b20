import { type Cluster, type Redis } from "ioredis";

import { ConfigError, StoreUnavailableError } from "../../errors.ts";
import { JOB_STATES, type JobState, type QueueCounts } from "../../job.ts";
import { consoleLogger, type Logger } from "../../logger.ts";
import type { StoreCapabilities } from "../capabilities.ts";
import type {
  CancelParams,
  CancelResult,
  ClaimParams,
  ClaimResult,
  CountsParams,
  EnqueueParams,
  EnqueueResult,
  EventHandlerFn,
  ExtendParams,
  GetParams,
  JobRecord,
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
  SettleParams,
  Store,
} from "../contract.ts";
import { claimJobs } from "./claim-jobs.ts";
import {
  checkEvictionPolicy,
  connectUrl,
  ensureReady,
  type RedisClient,
  toStoreError,
  watchErrors,
} from "./connection.ts";
import {
  DEFAULT_PREFIX,
  groupByQueue,
  type JobAddress,
  jobId,
  parseJobId,
  RedisKeys,
} from "./keys.ts";
import { listJobs } from "./list-jobs.ts";
import { rawJobArgs } from "./raw-jobs.ts";
import { toJobRecord } from "./records.ts";
import { RedisEventStream } from "./redis-events.ts";
import { runScript, type ScriptName } from "./script-loader.ts";

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
}

/** The data layout this release writes; `migrate` refuses data from a newer one. */
const LAYOUT_VERSION = 1;
/** How long a call waits for a connection that is being opened. */
const CONNECT_WAIT_MS = 5_000;

type ByIndex<T> = (index: number, value: T) => void;

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
    durable: true,
  };
  private readonly client: RedisClient;
  private readonly ownsClient: boolean;
  private readonly keys: RedisKeys;
  private readonly logger: Logger;
  private readonly events: RedisEventStream;
  private readonly unwatch: () => void;
  private readonly knownQueues = new Set<string>();
  private policyCheck: Promise<void> | null = null;
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    if (options.client && options.url)
      throw new ConfigError("RedisStore takes either a client or a url, not both.");
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== "string" || prefix === "" || /[{}]/.test(prefix))
      throw new ConfigError('RedisStore: prefix must be a non-empty string without "{" or "}".');
    this.logger = options.logger ?? consoleLogger;
    this.ownsClient = !options.client;
    this.client = options.client ?? connectUrl(options.url ?? "redis://127.0.0.1:6379");
    this.keys = new RedisKeys(prefix);
    this.unwatch = watchErrors(this.client, this.logger, "Redis");
    this.events = new RedisEventStream(this.client, this.keys.events, this.logger, () =>
      this.ready(),
    );
  }

  /** Connects on first use; warns once about an eviction policy that can lose jobs. */
  private async ready(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("The Redis store is closed.");
    await ensureReady(this.client, CONNECT_WAIT_MS);
    this.policyCheck ??= checkEvictionPolicy(this.client, this.logger).catch(() => undefined);
    await this.policyCheck;
  }

  /** Runs a client call once the connection is ready, mapping connection failures. */
  private async call<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await fn(this.client);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private readonly run = (
    name: ScriptName,
    queue: string,
    args: (string | number)[],
  ): Promise<unknown> =>
    this.call((client) => runScript(client, name, this.keys.queue(queue), args));

  /** Records queue names so that listings, counts and rescues across queues find them. */
  private async registerQueues(queues: string[]): Promise<void> {
    const fresh = [...new Set(queues)].filter((q) => !this.knownQueues.has(q));
    if (fresh.length === 0) return;
    await this.call((client) => client.sadd(this.keys.queues, ...fresh));
    for (const queue of fresh) this.knownQueues.add(queue);
  }

  private allQueues(): Promise<string[]> {
    return this.call((client) => client.smembers(this.keys.queues));
  }

  /**
   * Runs one script per queue over items that name jobs by id, and hands each reply back
   * with its item's position. Items whose id this store never issued are left to `missing`.
   */
  private async perQueue<T>(
    ids: string[],
    name: ScriptName,
    args: (queue: string, items: { index: number; n: string }[]) => (string | number)[],
    each: ByIndex<unknown>,
  ): Promise<void> {
    await Promise.all(
      [...groupByQueue(ids)].map(async ([queue, items]) => {
        const replies = (await this.run(name, queue, args(queue, items))) as T[];
        items.forEach((item, i) => each(item.index, replies[i]));
      }),
    );
  }

  async migrate(): Promise<void> {
    const stored = await this.call((client) => client.get(this.keys.version));
    if (stored !== null && Number(stored) > LAYOUT_VERSION) {
      throw new ConfigError(
        `The Redis data under prefix "${this.keys.prefix}" was written by a newer Errand (layout ${stored}); upgrade this process.`,
      );
    }
    if (stored === null)
      await this.call((client) => client.set(this.keys.version, LAYOUT_VERSION, "NX"));
  }

  async enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    const byQueue = new Map<string, number[]>();
    params.jobs.forEach((job, i) => {
      const list = byQueue.get(job.queue) ?? [];
      byQueue.set(job.queue, [...list, i]);
    });
    await this.registerQueues([...byQueue.keys()]);
    const results: EnqueueResult[] = new Array(params.jobs.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const args: (string | number)[] = [params.now ?? "", queue];
        for (const i of indexes) {
          const job = params.jobs[i] as EnqueueParams["jobs"][number];
          args.push(job.name, job.data, job.priority, job.runAt ?? "", job.delayMs);
          args.push(job.attempts, job.maxStalls, job.key ?? "", job.group ?? "");
        }
        const replies = (await this.run("enqueue", queue, args)) as [number, number, string][];
        indexes.forEach((index, i) => {
          const [n, created, state] = replies[i] as [number, number, EnqueueResult["state"]];
          results[index] = { id: jobId(n, queue), created: created === 1, state };
        });
      }),
    );
    return results;
  }

  claim(params: ClaimParams): Promise<ClaimResult> {
    return claimJobs(this.run, params);
  }

  async extend(params: ExtendParams): Promise<boolean[]> {
    const held = params.leases.map(() => false);
    const tokens = params.leases.map((lease) => lease.token);
    await this.perQueue(
      params.leases.map((lease) => lease.id),
      "extend",
      (_, items) => [
        params.now ?? "",
        params.leaseMs,
        ...items.flatMap((item) => [item.n, tokens[item.index] as string]),
      ],
      (index, reply) => (held[index] = reply === 1),
    );
    return held;
  }

  async settle(params: SettleParams): Promise<boolean[]> {
    const applied = params.outcomes.map(() => false);
    await this.perQueue(
      params.outcomes.map((outcome) => outcome.id),
      "settle",
      (_, items) => [
        params.now ?? "",
        ...items.flatMap((item) => settleArgs(params.outcomes[item.index] as Outcome, item.n)),
      ],
      (index, reply) => (applied[index] = reply === 1),
    );
    return applied;
  }

  async rescue(params: RescueParams): Promise<RescuedJob[]> {
    // Only queues holding leases are visited, one after another, so the limit holds overall.
    const queues = await this.allQueues();
    const busy = await this.call((client) =>
      Promise.all(queues.map((q) => client.zcard(`${this.keys.queue(q)}leases`))),
    );
    const rescued: RescuedJob[] = [];
    for (const [i, queue] of queues.entries()) {
      const left = params.limit - rescued.length;
      if (left <= 0) break;
      if (busy[i] === 0) continue;
      const replies = (await this.run("rescue", queue, [params.now ?? "", left])) as [
        number,
        string,
        "waiting" | "dead",
        number,
      ][];
      for (const [n, name, state, stalls] of replies)
        rescued.push({ id: jobId(n, queue), name, queue, state, stalls });
    }
    return rescued;
  }

  async progress(params: ProgressParams): Promise<boolean[]> {
    const applied = params.updates.map(() => false);
    await this.perQueue(
      params.updates.map((u) => u.id),
      "progress",
      (_, items) =>
        items.flatMap((item) => {
          const u = params.updates[item.index] as ProgressParams["updates"][number];
          return [item.n, u.token, u.progress];
        }),
      (index, reply) => (applied[index] = reply === 1),
    );
    return applied;
  }

  async log(params: LogParams): Promise<boolean[]> {
    const applied = params.entries.map(() => false);
    await this.perQueue(
      params.entries.map((e) => e.id),
      "log",
      (_, items) => [
        params.now ?? "",
        ...items.flatMap((item) => {
          const e = params.entries[item.index] as LogParams["entries"][number];
          return [item.n, e.token, e.message];
        }),
      ],
      (index, reply) => (applied[index] = reply === 1),
    );
    return applied;
  }

  async get(params: GetParams): Promise<(JobRecord | null)[]> {
    const records: (JobRecord | null)[] = params.ids.map(() => null);
    await Promise.all(
      [...groupByQueue(params.ids)].map(async ([queue, items]) => {
        const args = [params.now ?? "", ...items.map((item) => item.n)];
        const replies = (await this.run("get", queue, args)) as unknown[][];
        items.forEach((item, i) => (records[item.index] = toJobRecord(replies[i] ?? [], queue)));
      }),
    );
    return records;
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
    const now = params.now ?? "";
    if ("ids" in params) {
      const groups = [...groupByQueue(params.ids)];
      const moved = await Promise.all(
        groups.map(async ([queue, items]) => {
          const args = [now, "ids", ...items.map((item) => item.n)];
          const [ns] = (await this.run("retry", queue, args)) as [number[], string];
          return ns.map((n) => jobId(n, queue));
        }),
      );
      return moved.flat();
    }
    const { state, queue, name } = params.filter;
    const queues = queue === undefined ? await this.allQueues() : [queue];
    const moved = await Promise.all(
      queues.map(async (q) => {
        const ids: string[] = [];
        for (let bound = "-inf"; bound !== "";) {
          const args = [now, "filter", state, name ?? "", bound, 500];
          const [ns, next] = (await this.run("retry", q, args)) as [number[], string];
          ids.push(...ns.map((n) => jobId(n, q)));
          bound = next;
        }
        return ids;
      }),
    );
    return moved.flat();
  }

  async cancel(params: CancelParams): Promise<CancelResult[]> {
    const results: CancelResult[] = params.ids.map((id) => ({
      id,
      previous: null,
      name: null,
      queue: null,
    }));
    await this.perQueue(
      params.ids,
      "cancel",
      (_, items) => [params.now ?? "", ...items.map((item) => item.n)],
      (index, reply) => {
        const [previous, name] = reply as [JobState | "", string];
        const id = params.ids[index] as string;
        if (previous !== "")
          results[index] = { id, previous, name, queue: (parseJobId(id) as JobAddress).queue };
      },
    );
    return results;
  }

  async remove(params: RemoveParams): Promise<boolean[]> {
    const removed = params.ids.map(() => false);
    await this.perQueue(
      params.ids,
      "remove",
      (_, items) => items.map((item) => item.n),
      (index, reply) => (removed[index] = reply === 1),
    );
    return removed;
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
    await this.registerQueues([params.queue]);
    await this.call((client) => client.hset(`${this.keys.queue(params.queue)}meta`, "paused", 1));
  }

  async resume(params: QueueParams): Promise<void> {
    await this.call((client) => client.hdel(`${this.keys.queue(params.queue)}meta`, "paused"));
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

  subscribe(handler: EventHandlerFn): () => void {
    if (this.closed) return () => undefined;
    return this.events.subscribe(handler);
  }

  async insertRaw(jobs: RawJob[]): Promise<string[]> {
    const byQueue = new Map<string, number[]>();
    jobs.forEach((job, i) => {
      const queue = job.queue ?? "default";
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), i]);
    });
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
    try {
      if (this.client.status === "ready") await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}

/** One outcome as settle.lua's four arguments: kind, job number, token, value. */
function settleArgs(outcome: Outcome, n: string): string[] {
  switch (outcome.kind) {
    case "complete":
      return [outcome.remove ? "remove" : "complete", n, outcome.token, outcome.result];
    case "retry":
      return ["retry", n, outcome.token, `${outcome.delayMs}:${outcome.error}`];
    case "dead":
      return ["dead", n, outcome.token, outcome.error];
    case "release":
      return ["release", n, outcome.token, ""];
  }
}
