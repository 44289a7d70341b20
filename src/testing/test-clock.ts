import type { Clock } from "../clock.ts";
import { type Duration, toMs } from "../policy/durations.ts";

/**
 * A clock that tests move by hand. Passed as `new Errand({ clock })`, it makes the store
 * compare due times and leases with this time instead of its own, so a test can make a
 * delay pass or a lease expire without waiting.
 */
export class TestClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start: Date | number = Date.now()) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  storeNow(): number {
    return this.current;
  }

  now(): number {
    return this.current;
  }

  onMove(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves the clock forward; idle workers using it look for due jobs at once. */
  advance(by: Duration): void {
    this.current += toMs(by, "advance()");
    this.moved();
  }

  /** Sets the clock to an instant; idle workers using it look for due jobs at once. */
  set(to: Date | number): void {
    this.current = typeof to === "number" ? to : to.getTime();
    this.moved();
  }

  private moved(): void {
    for (const listener of this.listeners) listener();
  }
}
