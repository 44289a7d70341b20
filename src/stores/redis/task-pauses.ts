import type { RedisKeys } from "./keys.ts";
import type { ScriptName } from "./script-loader.ts";

/** Runs one script on the keys under one key base. */
export type RunOnFn = (
  name: ScriptName,
  base: string,
  args: (string | number)[],
) => Promise<unknown>;

/** What {@link TaskPauses} needs from the store. */
export interface TaskPausesDeps {
  keys: RedisKeys;
  runOn: RunOnFn;
  /** HGETALL of a hash, as field -> value. */
  readHash(key: string): Promise<Record<string, string>>;
  allQueues(): Promise<string[]>;
}

/**
 * Per-task pause on Redis. A paused task is held in every queue, but a claim is one script
 * on one queue's slot and cannot read a global key on Redis Cluster. So each queue keeps a
 * copy of the paused tasks in its own `paused-tasks` hash, next to the global one. Every
 * entry carries a version (pause-task.lua) and only replaces an older one, so the copies
 * agree whatever order the writes arrive in:
 *
 * - pause/resume write the global entry first (which picks the version), then read the
 *   queue set and write each queue's copy;
 * - a queue new to this process is added to the queue set first, then copies the global
 *   entries.
 *
 * Each side writes, then reads what the other writes, so for any queue at least one of them
 * sees the other: the newest entry reaches every queue's copy. See docs/redis.md.
 */
export class TaskPauses {
  constructor(private readonly deps: TaskPausesDeps) {}

  private get globalHash(): string {
    return `${this.deps.keys.tasks}paused-tasks`;
  }

  /** Pauses (true) or resumes (false) a task in every queue. */
  async set(task: string, paused: boolean): Promise<void> {
    const flag = paused ? "1" : "0";
    const { keys, runOn } = this.deps;
    const [version] = (await runOn("pause-task", keys.tasks, [task, flag, ""])) as string[];
    const queues = await this.deps.allQueues();
    await Promise.all(
      queues.map((q) => runOn("pause-task", keys.queue(q), [task, flag, version as string])),
    );
  }

  /** Names of the paused tasks, sorted. */
  async paused(): Promise<string[]> {
    const entries = await this.deps.readHash(this.globalHash);
    return Object.keys(entries)
      .filter((task) => entries[task]?.endsWith(":1"))
      .sort();
  }

  /** Gives queues that are new to this process a copy of every pause and resume. */
  async copyTo(queues: string[]): Promise<void> {
    const entries = Object.entries(await this.deps.readHash(this.globalHash));
    if (entries.length === 0) return;
    const args = entries.flatMap(([task, value]) => {
      const colon = value.indexOf(":");
      return [task, value.slice(colon + 1), value.slice(0, colon)];
    });
    const { keys, runOn } = this.deps;
    await Promise.all(queues.map((q) => runOn("pause-task", keys.queue(q), args)));
  }
}
