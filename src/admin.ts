import type { Clock } from "./clock.ts";
import { ValidationError } from "./errors.ts";
import type { EventBus } from "./events.ts";
import { isJobState, type JobInfo, type JobState, type QueueCounts } from "./job.ts";
import { toJobInfo } from "./job-info.ts";
import type { Store, StoreEvent } from "./stores/contract.ts";
import { isName } from "./task-options.ts";

/** What the admin APIs share with Errand. */
export interface AdminDeps {
  store: () => Promise<Store>;
  clock: Clock;
  events: EventBus;
}

/** Filters of `jobs.list()`. */
export interface ListJobsOptions {
  queue?: string;
  state?: JobState;
  /** The task's name. */
  task?: string;
  /** Page size, 1 to 1000. Default 100. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

function nowParam(clock: Clock): { now?: number } {
  const now = clock.storeNow();
  return now === undefined ? {} : { now };
}

function checkId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0)
    throw new ValidationError(`A job id must be a non-empty string, got ${JSON.stringify(id)}.`);
  return id;
}

/** `errand.jobs`: inspect and operate on single jobs and the dead-letter queue. */
export class JobsAdmin {
  constructor(private readonly deps: AdminDeps) {}

  /** The job, or null when no job has this id. */
  async get(id: string): Promise<JobInfo | null> {
    const [record] = await (
      await this.deps.store()
    ).get({ ids: [checkId(id)], ...nowParam(this.deps.clock) });
    return record ? toJobInfo(record) : null;
  }

  /** A page of jobs, newest first; pass `cursor` back for the next page. */
  async list(options: ListJobsOptions = {}): Promise<{ jobs: JobInfo[]; cursor?: string }> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
      throw new ValidationError("limit must be a whole number from 1 to 1000.");
    if (options.state !== undefined && !isJobState(options.state)) {
      throw new ValidationError(`Unknown state ${JSON.stringify(options.state)}.`);
    }
    const page = await (
      await this.deps.store()
    ).list({
      limit,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(options.state === undefined ? {} : { state: options.state }),
      ...(options.task === undefined ? {} : { name: options.task }),
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      ...nowParam(this.deps.clock),
    });
    const jobs = page.jobs.map(toJobInfo);
    return page.cursor === null ? { jobs } : { jobs, cursor: page.cursor };
  }

  /** Makes a dead or cancelled job waiting again with its attempts reset. False when it was not. */
  async retry(id: string): Promise<boolean> {
    const ids = await (
      await this.deps.store()
    ).retry({ ids: [checkId(id)], ...nowParam(this.deps.clock) });
    await this.announceRetried(ids);
    return ids.length === 1;
  }

  /** Re-drives every dead (default) or cancelled job that matches; returns how many. */
  async retryAll(
    filter: { queue?: string; state?: "dead" | "cancelled"; task?: string } = {},
  ): Promise<number> {
    const state = filter.state ?? "dead";
    if (state !== "dead" && state !== "cancelled")
      throw new ValidationError('retryAll: state must be "dead" or "cancelled".');
    const ids = await (
      await this.deps.store()
    ).retry({
      filter: {
        state,
        ...(filter.queue === undefined ? {} : { queue: filter.queue }),
        ...(filter.task === undefined ? {} : { name: filter.task }),
      },
      ...nowParam(this.deps.clock),
    });
    await this.announceRetried(ids);
    return ids.length;
  }

  /**
   * Cancels a scheduled, waiting or active job: it never runs again, and a running
   * handler's `ctx.signal` aborts. False when the job was missing or already finished.
   */
  async cancel(id: string): Promise<boolean> {
    const [result] = await (
      await this.deps.store()
    ).cancel({ ids: [checkId(id)], ...nowParam(this.deps.clock) });
    if (!result || result.previous === null || result.name === null || result.queue === null)
      return false;
    this.deps.events.emit([
      {
        type: "cancelled",
        jobId: id,
        name: result.name,
        queue: result.queue,
        at: this.deps.clock.now(),
      },
    ]);
    return true;
  }

  /** Deletes a job in any state. False when it did not exist. */
  async remove(id: string): Promise<boolean> {
    const [removed] = await (await this.deps.store()).remove({ ids: [checkId(id)] });
    return removed === true;
  }

  private async announceRetried(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const records = await (await this.deps.store()).get({ ids, ...nowParam(this.deps.clock) });
    const at = this.deps.clock.now();
    const events: StoreEvent[] = records.flatMap((r) =>
      r ? [{ type: "enqueued" as const, jobId: r.id, name: r.name, queue: r.queue, at }] : [],
    );
    this.deps.events.emit(events);
  }
}

/** `errand.queues`: counts, pause and resume. */
export class QueuesAdmin {
  constructor(private readonly deps: AdminDeps) {}

  /** The queue's jobs by state. */
  async counts(queue: string): Promise<QueueCounts> {
    return (await this.deps.store()).counts({
      queue: checkQueue(queue),
      ...nowParam(this.deps.clock),
    });
  }

  /** Stops workers everywhere from starting this queue's jobs; running ones finish. */
  async pause(queue: string): Promise<void> {
    await (await this.deps.store()).pause({ queue: checkQueue(queue) });
  }

  /** Lets workers take this queue's jobs again. */
  async resume(queue: string): Promise<void> {
    await (await this.deps.store()).resume({ queue: checkQueue(queue) });
  }

  /** True while the queue is paused. */
  async isPaused(queue: string): Promise<boolean> {
    return (await (await this.deps.store()).pausedQueues()).includes(checkQueue(queue));
  }
}

function checkQueue(queue: unknown): string {
  if (!isName(queue))
    throw new ValidationError(
      `A queue name must be a non-empty string, got ${JSON.stringify(queue)}.`,
    );
  return queue;
}
