import type { JobState } from "./job.ts";
import type { Duration } from "./policy/durations.ts";

/** Waits for a job to finish; see {@link Job.result}. */
export type WaitForResultFn = (id: string, timeout: Duration | undefined) => Promise<unknown>;

/** A handle on an enqueued job. */
export class Job<TResult = unknown> {
  /** Unique within the store. */
  readonly id: string;
  /** The task's name. */
  readonly name: string;
  readonly queue: string;
  /** False when a live job already held the key and this handle points at that job. */
  readonly created: boolean;
  /** The state right after enqueue. */
  readonly state: JobState;
  private readonly waitFn: WaitForResultFn;

  constructor(
    fields: { id: string; name: string; queue: string; created: boolean; state: JobState },
    waitFn: WaitForResultFn,
  ) {
    this.id = fields.id;
    this.name = fields.name;
    this.queue = fields.queue;
    this.created = fields.created;
    this.state = fields.state;
    this.waitFn = waitFn;
  }

  /**
   * Waits until the job completes and returns its result. Throws JobFailedError when it
   * ends dead or cancelled (or is removed), and TimeoutError when `timeout` passes first.
   */
  async result(options: { timeout?: Duration } = {}): Promise<TResult> {
    return (await this.waitFn(this.id, options.timeout)) as TResult;
  }

  toJSON(): { id: string; name: string; queue: string } {
    return { id: this.id, name: this.name, queue: this.queue };
  }
}
