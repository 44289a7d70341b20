import type { Clock } from "../clock.ts";
import { errorMessage, type Logger } from "../logger.ts";
import type { Store } from "../stores/contract.ts";

/**
 * Keeps the leases of this worker's running jobs alive: one timer for all of them, one
 * `extend` call per beat. A lease the store no longer honours (the job was rescued,
 * cancelled or removed) is reported through `onLost` and forgotten.
 */
export class LeaseKeeper {
  private readonly leases = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly onLost: (id: string) => void,
  ) {}

  track(id: string, token: string): void {
    this.leases.set(id, token);
  }

  untrack(id: string): void {
    this.leases.delete(id);
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Extends every tracked lease now. */
  async beat(): Promise<void> {
    if (this.beating || this.leases.size === 0) return;
    this.beating = true;
    const leases = [...this.leases].map(([id, token]) => ({ id, token }));
    try {
      const now = this.clock.storeNow();
      const held = await this.store.extend({
        leases,
        leaseMs: this.leaseMs,
        ...(now === undefined ? {} : { now }),
      });
      leases.forEach((lease, i) => {
        if (held[i] === true || this.leases.get(lease.id) !== lease.token) return;
        this.leases.delete(lease.id);
        this.onLost(lease.id);
      });
    } catch (error) {
      this.logger.warn("extending leases failed; will retry on the next beat", {
        error: errorMessage(error),
      });
    } finally {
      this.beating = false;
    }
  }
}
