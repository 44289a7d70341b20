import type { Clock } from "../clock.ts";
import type { EventBus } from "../events.ts";
import { errorMessage, type Logger } from "../logger.ts";
import { pruneBefore, type ResolvedRetention } from "../policy/retention.ts";
import type { Store, StoreEvent } from "../stores/contract.ts";

/** What the maintenance loop needs to know. */
export interface MaintenanceOptions {
  queues: string[];
  rescueEveryMs: number;
  pruneEveryMs: number;
  keepCompleted: ResolvedRetention;
  keepDead: ResolvedRetention;
}

/**
 * The chores every worker shares: rescuing jobs whose lease expired (their worker was
 * lost) and pruning finished jobs past retention. Every worker runs them; the store makes
 * each step atomic, so running them in many processes at once is safe, just redundant.
 */
export class Maintenance {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: MaintenanceOptions,
  ) {}

  start(): void {
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      const timer = setInterval(() => {
        this.running = this.running.then(fn);
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.rescueEveryMs, () => this.rescue());
    every(this.options.pruneEveryMs, () => this.prune());
    this.running = this.running.then(() => this.rescue()).then(() => this.prune());
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.running;
  }

  /** Rescues expired leases now; returns how many jobs it moved. */
  async rescue(): Promise<number> {
    try {
      const now = this.clock.storeNow();
      const rescued = await this.store.rescue({
        limit: 1000,
        ...(now === undefined ? {} : { now }),
      });
      const at = this.clock.now();
      const events: StoreEvent[] = [];
      for (const job of rescued) {
        const base = { jobId: job.id, name: job.name, queue: job.queue, at };
        events.push({ ...base, type: "stalled" });
        if (job.state === "dead") events.push({ ...base, type: "dead" });
        else events.push({ ...base, type: "enqueued" });
      }
      if (rescued.length > 0) {
        this.logger.warn("rescued jobs whose worker was lost", { count: rescued.length });
        this.events.emit(events);
      }
      return rescued.length;
    } catch (error) {
      this.logger.warn("rescuing expired leases failed", { error: errorMessage(error) });
      return 0;
    }
  }

  /** Prunes finished jobs past retention now; returns how many it deleted. */
  async prune(): Promise<number> {
    try {
      const now = this.clock.storeNow() ?? Date.now();
      const rule = (r: ResolvedRetention) => ({ before: pruneBefore(r, now), keep: r.count });
      return await this.store.prune({
        queues: this.options.queues,
        completed: rule(this.options.keepCompleted),
        failed: rule(this.options.keepDead),
        limit: 10_000,
      });
    } catch (error) {
      this.logger.warn("pruning finished jobs failed", { error: errorMessage(error) });
      return 0;
    }
  }
}
