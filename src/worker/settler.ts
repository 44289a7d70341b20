import type { Clock } from "../clock.ts";
import { errorMessage, type Logger } from "../logger.ts";
import { retryDelay } from "../policy/retry-delay.ts";
import type { Outcome, Store } from "../stores/contract.ts";

interface Pending {
  outcome: Outcome;
  resolve: (applied: boolean) => void;
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
    return new Promise((resolve) => {
      this.queue.push({ outcome, resolve });
      if (this.queue.length >= this.maxBatch) this.kick();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.kick());
      }
    });
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
    for (let failures = 0; ; failures++) {
      try {
        const now = this.clock.storeNow();
        const applied = await this.store.settle({
          outcomes: batch.map((p) => p.outcome),
          ...(now === undefined ? {} : { now }),
        });
        batch.forEach((p, i) => p.resolve(applied[i] === true));
        return;
      } catch (error) {
        if (this.abandoned) {
          batch.forEach((p) => p.resolve(false));
          return;
        }
        this.logger.warn("settling finished jobs failed; retrying", {
          error: errorMessage(error),
          jobs: batch.length,
        });
        await new Promise((r) => setTimeout(r, retryDelay(failures)));
      }
    }
  }
}
