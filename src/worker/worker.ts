import { errorMessage, type Logger } from "../logger.ts";
import type { Duration } from "../policy/durations.ts";
import { retryDelay } from "../policy/retry-delay.ts";
import type { Store } from "../stores/contract.ts";
import type { WorkerRuntime } from "./worker-runtime.ts";

/**
 * A running worker, returned by `errand.work()` at once. It opens the store in the
 * background (retrying with backoff while the store is unreachable), then claims and
 * runs jobs until `close()`.
 */
export class Worker {
  private runtime: WorkerRuntime | null = null;
  private closeRequested = false;
  private readonly ready: Promise<WorkerRuntime | null>;

  constructor(
    openStore: () => Promise<Store>,
    makeRuntime: (store: Store) => WorkerRuntime,
    private readonly logger: Logger,
    private readonly onClosed: (worker: Worker) => void,
  ) {
    this.ready = this.open(openStore, makeRuntime);
  }

  private async open(
    openStore: () => Promise<Store>,
    makeRuntime: (store: Store) => WorkerRuntime,
  ): Promise<WorkerRuntime | null> {
    for (let failures = 0; !this.closeRequested; failures++) {
      try {
        const store = await openStore();
        if (this.closeRequested) return null;
        this.runtime = makeRuntime(store);
        return this.runtime;
      } catch (error) {
        this.logger.warn("the worker could not open the store; retrying", {
          error: errorMessage(error),
        });
        await new Promise((r) => setTimeout(r, retryDelay(failures)));
      }
    }
    return null;
  }

  /** This worker's id, recorded on the jobs it claims (empty until the store is open). */
  get id(): string {
    return this.runtime?.id ?? "";
  }

  /** Jobs running in this worker now. */
  get active(): number {
    return this.runtime?.active ?? 0;
  }

  /** Resolves once the store is open and the worker is claiming. */
  async started(): Promise<void> {
    await this.ready;
  }

  /**
   * Runs the chores now instead of waiting for their timers: rescue, pruning, and firing
   * due schedules (resolves once a scheduling pass that began after the call has ended).
   */
  async runMaintenance(): Promise<void> {
    await (await this.ready)?.runMaintenance();
  }

  /**
   * Stops claiming, lets running jobs finish for up to `grace` (default `"10s"`), then
   * aborts the rest and hands them back to `waiting` at once, spending none of their attempts.
   */
  async close(options: { grace?: Duration } = {}): Promise<void> {
    this.closeRequested = true;
    await (await this.ready)?.close(options);
    this.onClosed(this);
  }
}
