import type { Clock } from "../clock.ts";
import { errorMessage, type Logger } from "../logger.ts";
import type { Store } from "../stores/contract.ts";

interface Held {
  token: string;
  /** This process's time when the last call that confirmed the lease was sent. */
  confirmedAt: number;
}

/**
 * Keeps the leases of this worker's jobs alive, running or buffered: one timer for all
 * of them, one `extend` call per beat. A lease the store no longer honours (the job was
 * rescued, cancelled or removed) is reported through `onLost` and forgotten.
 */
export class LeaseKeeper {
  private readonly leases = new Map<string, Held>();
  private timer: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly onLost: (id: string) => void,
  ) {}

  /** Keeps a lease alive from now on; `confirmedAt` is when the claim that gave it was sent. */
  track(id: string, token: string, confirmedAt: number): void {
    this.leases.set(id, { token, confirmedAt });
  }

  /**
   * False when no call has confirmed the lease for a whole lease period (the process was
   * frozen, or the store unreachable): it may have expired and been rescued, so a job not
   * yet started should be handed back rather than run twice.
   */
  surelyHeld(id: string): boolean {
    const held = this.leases.get(id);
    return held !== undefined && this.clock.now() - held.confirmedAt < this.leaseMs;
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
    const leases = [...this.leases].map(([id, held]) => ({ id, token: held.token }));
    const sentAt = this.clock.now();
    try {
      const now = this.clock.storeNow();
      const held = await this.store.extend({
        leases,
        leaseMs: this.leaseMs,
        ...(now === undefined ? {} : { now }),
      });
      leases.forEach((lease, i) => {
        const current = this.leases.get(lease.id);
        if (current?.token !== lease.token) return;
        if (held[i] === true) {
          current.confirmedAt = sentAt;
          return;
        }
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
