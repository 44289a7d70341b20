import type { Clock } from "../clock.ts";
import { errorMessage, type Logger } from "../logger.ts";
import { retryDelay } from "../policy/retry-delay.ts";
import type { Outcome, Store } from "../stores/contract.ts";

/** Called once an outcome was written (true) or found stale (false). */
export type SettledFn = (applied: boolean) => void;

interface Pending {
  outcome: Outcome;
  settled: SettledFn;
}

/**
 * Group commit for settles: outcomes that arrive in the same turn of the event loop go
 * to the store in one `settle` call. A failed call (store unreachable) is retried with
 * backoff and jitter, so a finished job is not forgotten while its lease still holds.
 */
export class Settler {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();
  private abandoned = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves true when the outcome was applied, false when the lease was stale. */
  settle(outcome: Outcome): Promise<boolean> {
    return new Promise((resolve) => this.add(outcome, resolve));
  }

  /**
   * As `settle`, with a callback instead of a promise: a worker settles every job, and a
   * promise and its reaction per job were a measurable share of its time. `settled` runs
   * once, outside the store call, so a throw there is never taken for a failed write.
   */
  add(outcome: Outcome, settled: SettledFn): void {
    this.queue.push({ outcome, settled });
    if (this.queue.length >= this.maxBatch) this.kick();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.kick());
    }
  }

  /** Waits until every outcome handed in so far was written (or found stale). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      this.kick();
      await this.inFlight;
    }
    await this.inFlight;
  }

  /** Stops retrying failed writes: what is still unwritten resolves false (the leases will expire). */
  abandon(): void {
    this.abandoned = true;
  }

  private kick(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight = this.inFlight.then(() => this.write(batch));
  }

  private async write(batch: Pending[]): Promise<void> {
    const applied = await this.written(batch);
    batch.forEach((p, i) => {
      try {
        p.settled(applied[i] === true);
      } catch (error) {
        this.logger.error("handling a settled outcome failed", { error: errorMessage(error) });
      }
    });
  }

  /** Writes the batch, retrying until it lands or the settler is abandoned (all false then). */
  private async written(batch: Pending[]): Promise<boolean[]> {
    for (let failures = 0; ; failures++) {
      try {
        const now = this.clock.storeNow();
        return await this.store.settle({
          outcomes: batch.map((p) => p.outcome),
          ...(now === undefined ? {} : { now }),
        });
      } catch (error) {
        if (this.abandoned) return [];
        this.logger.warn("settling finished jobs failed; retrying", {
          error: errorMessage(error),
          jobs: batch.length,
        });
        await new Promise((r) => setTimeout(r, retryDelay(failures)));
      }
    }
  }
}
