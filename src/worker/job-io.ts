import type { Clock } from "../clock.ts";
import type { EventBus } from "../events.ts";
import { errorMessage, type Logger } from "../logger.ts";
import type { ClaimedJob, Store } from "../stores/contract.ts";
import { jobEvent } from "./job-events.ts";

/** What a running handler writes through its context: progress, log lines, task blocks. */
export class JobIo {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  async progress(job: ClaimedJob, encoded: string): Promise<void> {
    const [applied] = await this.store.progress({
      updates: [{ id: job.id, token: job.token, progress: encoded }],
    });
    if (applied)
      this.events.emit([jobEvent(job, "progress", this.clock.now(), { progress: encoded })]);
  }

  async log(job: ClaimedJob, message: string): Promise<void> {
    try {
      const now = this.clock.storeNow();
      await this.store.log({
        entries: [{ id: job.id, token: job.token, message }],
        ...(now === undefined ? {} : { now }),
      });
    } catch (error) {
      this.logger.warn("could not store a job's log line", {
        jobId: job.id,
        error: errorMessage(error),
      });
    }
  }

  async block(job: ClaimedJob, delayMs: number, group: boolean): Promise<void> {
    try {
      const now = this.clock.storeNow();
      await this.store.block({
        queue: job.queue,
        name: job.name,
        group: group ? job.group : null,
        delayMs,
        ...(now === undefined ? {} : { now }),
      });
    } catch (error) {
      // The job is still postponed; only other jobs of the task may start before the delay.
      this.logger.warn("could not block a rate-limited task", {
        jobId: job.id,
        error: errorMessage(error),
      });
    }
  }
}
