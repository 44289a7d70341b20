/*
 * Every Redis key name of the store, in one place.
 *
 * Keys of one queue share a hash tag, `{q:<queue>}`, so Redis Cluster keeps a queue on
 * one slot and each Lua script touches one slot only. Scripts receive the queue's key
 * base (`<prefix>:{q:<queue>}:`) as KEYS[1] and append the names listed in
 * `scripts/lib.lua`:
 *
 *   meta          hash: last (the last job number), paused ("1" while paused), waiting (how
 *                 many jobs wait), served and arrivals (the fair rotation's sequences)
 *   job:<n>       hash: one job's fields
 *   logs:<n>      list: one job's log lines, "<at>:<message>"
 *   keys          hash: deduplication key -> job number, for live jobs only
 *   lane:<scope>  zset: due jobs of one task in one group, in claim order (score -priority,
 *                 member runAt+n); scope is "<length of task>:<task>:<group or ''>"
 *   lanes:<group> set: tasks with due jobs in the group ('' for jobs without a group)
 *   groups        zset: groups with due jobs, by their place in the fair rotation
 *   turns         hash: group -> jobs taken in a turn a full claim cut short
 *   running       hash: scope -> active jobs, for concurrency limits
 *   starts:<scope>  zset: starts of a rate-limited task (or task and group) by time
 *   blocks        hash: scope -> until when an upstream limit blocks the task (or group)
 *   paused-tasks  hash: task -> "<version>:<1|0>", this queue's copy of the paused tasks
 *   throttle, throttled   zset (key -> end of window) and hash (key -> job): throttle windows
 *   schedules     zset: schedule name -> next run, of schedules whose task is in this queue
 *   schedule:<name>       hash: one schedule's fields
 *   due           zset: scheduled jobs by due time
 *   leases        zset: active jobs by lease expiry (also what lists and counts them)
 *   done:completed, done:failed   zsets: finished jobs by finish time, for retention
 *   all, pending, completed, dead, cancelled   zsets by job number, for listing (an
 *                 `active` set written before December 2026 is no longer read)
 *
 * Keys outside any queue live on their own slots: `<prefix>:queues` (set of known queue
 * names), `<prefix>:events` (the event stream), `<prefix>:version`, `<prefix>:schedules`
 * (hash: schedule name -> queue) and `<prefix>:{tasks}:paused-tasks` (the authoritative
 * paused tasks, written through pause-task.lua with the key base `<prefix>:{tasks}:`).
 */

/** The default key prefix. */
export const DEFAULT_PREFIX = "errand";

/**
 * Escapes the characters that would break the hash tag or the key layout (`{`, `}`,
 * `:`) and the escape character itself, so distinct queue names give distinct keys.
 */
function escapeQueue(queue: string): string {
  return queue.replace(
    /[%{}:]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** Key names for one prefix. */
export class RedisKeys {
  /** Key bases by queue name, so a hot path does not escape the same name again. */
  private readonly bases = new Map<string, string>();

  constructor(readonly prefix: string) {}

  /** The key base of one queue, passed to scripts as KEYS[1]. */
  queue(queue: string): string {
    let base = this.bases.get(queue);
    if (base === undefined) {
      base = `${this.prefix}:{q:${escapeQueue(queue)}}:`;
      // Bounded: a process that walks through endless queue names keeps only the latest.
      if (this.bases.size >= 1_000) this.bases.clear();
      this.bases.set(queue, base);
    }
    return base;
  }

  /** The set of queue names that ever held a job or were paused. */
  get queues(): string {
    return `${this.prefix}:queues`;
  }

  /** The capped stream that carries events between processes. */
  get events(): string {
    return `${this.prefix}:events`;
  }

  /** The key base of the global paused-task hash (`paused-tasks` below it; see pause-task.lua). */
  get tasks(): string {
    return `${this.prefix}:{tasks}:`;
  }

  /** Hash of schedule name -> the queue whose keys hold the schedule. */
  get schedules(): string {
    return `${this.prefix}:schedules`;
  }

  /** The data layout version written by `migrate`. */
  get version(): string {
    return `${this.prefix}:version`;
  }
}

/** A job id taken apart: its queue and its number within the queue. */
export interface JobAddress {
  queue: string;
  n: string;
}

/**
 * Job ids are `<n>:<queue>`: the job's number within its queue, then the queue name.
 * The number never contains ':', so the first ':' splits the id even when the queue
 * name holds one, and any call can find a job's keys (and Cluster slot) from its id.
 */
export function jobId(n: number | string, queue: string): string {
  return `${n}:${queue}`;
}

/** The queue and number of an id this store issued, or null for any other string. */
export function parseJobId(id: string): JobAddress | null {
  const match = /^([1-9]\d{0,15}):(.+)$/s.exec(id);
  return match ? { n: match[1] as string, queue: match[2] as string } : null;
}

/** Groups ids by queue, keeping each id's position in the input. */
export function groupByQueue(ids: string[]): Map<string, { index: number; n: string }[]> {
  const groups = new Map<string, { index: number; n: string }[]>();
  ids.forEach((id, index) => {
    const address = parseJobId(id);
    if (!address) return;
    let group = groups.get(address.queue);
    if (!group) groups.set(address.queue, (group = []));
    group.push({ index, n: address.n });
  });
  return groups;
}

/**
 * Positions of `items` cut into runs of consecutive items of one queue, in input order.
 * Enqueue writes one run per script, so new jobs are numbered in input order across
 * queues too (numbers follow the server's clock), and claim's last tie-break, enqueue
 * order, holds for a batch that interleaves queues.
 */
export function queueRuns<T>(items: T[], queueOf: (item: T) => string): [string, number[]][] {
  const runs: [string, number[]][] = [];
  items.forEach((item, index) => {
    const queue = queueOf(item);
    const last = runs[runs.length - 1];
    if (last && last[0] === queue) last[1].push(index);
    else runs.push([queue, [index]]);
  });
  return runs;
}

/** Positions of `items` grouped by queue, in input order within each queue. */
export function indexesByQueue<T>(items: T[], queueOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const queue = queueOf(item);
    const group = groups.get(queue);
    if (group) group.push(index);
    else groups.set(queue, [index]);
  });
  return groups;
}
