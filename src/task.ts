import type { EnqueueOptions } from "./enqueue-options.ts";
import type { Job } from "./job-handle.ts";
import type { TaskDefinition } from "./task-options.ts";

/** Enqueues jobs of one task; implemented by Errand. */
export interface TaskEnqueuer {
  enqueueJobs(
    task: TaskDefinition,
    items: { data: unknown; options?: EnqueueOptions }[],
  ): Promise<Job[]>;
}

/** A declared task: its name and queue, and typed enqueueing. Made by `errand.task()`. */
export class Task<TInput = unknown, TResult = unknown> {
  readonly name: string;
  readonly queue: string;

  constructor(
    /** The checked declaration. */
    readonly definition: TaskDefinition,
    private readonly enqueuer: TaskEnqueuer,
  ) {
    this.name = definition.name;
    this.queue = definition.queue;
  }

  /**
   * Validates `data` against the task's schema and enqueues one job. Resolves once the
   * job is committed. Throws ValidationError, writing nothing, for a bad payload or options.
   */
  async enqueue(data: TInput, options?: EnqueueOptions): Promise<Job<TResult>> {
    const [job] = await this.enqueuer.enqueueJobs(this.definition, [
      options === undefined ? { data } : { data, options },
    ]);
    return job as Job<TResult>;
  }

  /**
   * Enqueues many jobs in one round trip, atomically: all are written, or (on any
   * invalid item) none. Returns the jobs in input order.
   */
  async enqueueMany(items: { data: TInput; options?: EnqueueOptions }[]): Promise<Job<TResult>[]> {
    return (await this.enqueuer.enqueueJobs(this.definition, items)) as Job<TResult>[];
  }
}
