import type { StoreEvent } from "../contract.ts";

/** One `publish` call waiting for a write transaction to carry it. */
export interface OutboxBatch {
  origin: string;
  events: StoreEvent[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Event batches on their way to `errand_events`. A batch of `enqueued` or `cancelled`
 * events (which wake or stop workers elsewhere) is written at once; any other batch
 * (`started`, `completed`, …, only listeners read them) waits up to `delayMs` and rides
 * in the first write transaction the store runs in the meantime. A busy worker then
 * writes its events inside its next claim or settle instead of in transactions of their
 * own, which halves its commits at concurrency 1.
 */
export class EventOutbox {
  private pending: OutboxBatch[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Runs a write transaction with nothing but the pending batches; throws if it failed. */
    private readonly flush: () => void,
    private readonly delayMs: number,
  ) {}

  /** Resolves once the batch is committed; rejects if the transaction written for it failed. */
  add(origin: string, events: StoreEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ origin, events, resolve, reject });
      if (events.some((e) => e.type === "enqueued" || e.type === "cancelled")) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.delayMs);
    });
  }

  get size(): number {
    return this.pending.length;
  }

  /** Hands every pending batch to a write transaction about to start. */
  take(): OutboxBatch[] {
    if (this.pending.length === 0) return [];
    const batches = this.pending;
    this.pending = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return batches;
  }

  /** Takes back batches whose carrying transaction rolled back; they go with the next one. */
  putBack(batches: OutboxBatch[]): void {
    if (batches.length === 0) return;
    this.pending = [...batches, ...this.pending];
    this.timer ??= setTimeout(() => this.flushNow(), this.delayMs);
  }

  /** Rejects what is pending (the store is closing and could not write it). */
  abandon(error: unknown): void {
    for (const batch of this.take()) batch.reject(error);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batches = this.pending;
    try {
      this.flush();
    } catch (error) {
      // The flush's own transaction failed: report it to the publishers instead of
      // retrying notifications forever.
      this.pending = this.pending.filter((b) => !batches.includes(b));
      for (const batch of batches) batch.reject(error);
    }
  }
}
