import type { JobError } from "./job.ts";
import { errorMessage, type Logger } from "./logger.ts";
import { decodeJson } from "./policy/payload.ts";
import type { Store, StoreEvent } from "./stores/contract.ts";

/** The kinds of event Errand emits. */
export type EventType = StoreEvent["type"];

/** A lifecycle event, delivered to listeners in every process connected to the store. */
export interface ErrandEvent {
  type: EventType;
  jobId: string;
  /** The task's name. */
  name: string;
  queue: string;
  at: Date;
  attempt?: number;
  result?: unknown;
  error?: JobError;
  progress?: unknown;
}

/** Receives one event. */
export type EventListenerFn = (event: ErrandEvent) => void;

/** Receives raw store events; the runtime's own parts (wake-ups, cancellation, results) use this. */
export type InternalListenerFn = (event: StoreEvent) => void;

function decodeOrSkip(text: string): unknown {
  try {
    return decodeJson(text);
  } catch {
    return undefined;
  }
}

function toErrandEvent(e: StoreEvent): ErrandEvent {
  const event: ErrandEvent = {
    type: e.type,
    jobId: e.jobId,
    name: e.name,
    queue: e.queue,
    at: new Date(e.at),
  };
  if (e.attempt !== undefined) event.attempt = e.attempt;
  // A field that is not JSON (written by another program) is left out, not thrown.
  if (e.result !== undefined) event.result = decodeOrSkip(e.result);
  if (e.error !== undefined) event.error = decodeOrSkip(e.error) as JobError;
  if (e.progress !== undefined) event.progress = decodeOrSkip(e.progress);
  return event;
}

/**
 * Delivers events to this process's listeners at once and publishes them through the
 * store for other processes; events from other processes arrive through the store's
 * subscription, which is opened only while someone listens. Publishing happens after
 * the change it reports was committed, and is batched per turn of the event loop.
 */
export class EventBus {
  private readonly listeners = new Map<EventType, Set<EventListenerFn>>();
  private readonly internal = new Set<InternalListenerFn>();
  private pending: StoreEvent[] = [];
  private flushScheduled = false;
  private unsubscribe: (() => void) | null = null;
  private subscribing: Promise<void> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: () => Promise<Store>,
    private readonly origin: string,
    private readonly logger: Logger,
  ) {}

  on(type: EventType, listener: EventListenerFn): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    this.subscribeToStore();
  }

  off(type: EventType, listener: EventListenerFn): void {
    this.listeners.get(type)?.delete(listener);
  }

  /** Adds a runtime listener; returns a function that removes it. */
  listen(listener: InternalListenerFn): () => void {
    this.internal.add(listener);
    this.subscribeToStore();
    return () => this.internal.delete(listener);
  }

  /** Reports committed changes: delivered here now, published to other processes soon after. */
  emit(events: StoreEvent[]): void {
    if (events.length === 0 || this.closed) return;
    for (const event of events) {
      this.deliver(event);
      this.pending.push(event);
    }
    this.scheduleFlush();
  }

  /** `emit` of one event, without the array: a worker reports two per job. */
  emitOne(event: StoreEvent): void {
    if (this.closed) return;
    this.deliver(event);
    this.pending.push(event);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushing = this.flushing.then(() => this.flush());
    });
  }

  /** This process's origin, under which the store publishes on its behalf (EnqueueParams.origin). */
  get ownOrigin(): string {
    return this.origin;
  }

  /** Delivers to this process's listeners only: for changes the store published itself. */
  emitLocal(events: StoreEvent[]): void {
    if (this.closed) return;
    for (const event of events) this.deliver(event);
  }

  /** Publishes what is pending, then stops listening to the store. */
  async close(): Promise<void> {
    await this.flushing;
    await this.flush();
    this.closed = true;
    await this.subscribing;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0) return;
    try {
      await (await this.store()).publish({ events, origin: this.origin });
    } catch (error) {
      this.logger.warn("could not publish events to other processes", {
        error: errorMessage(error),
      });
    }
  }

  private subscribeToStore(): void {
    if (this.subscribing || this.closed) return;
    this.subscribing = this.store().then(
      (store) => {
        if (this.closed) return;
        this.unsubscribe = store.subscribe(
          (events, origin) => {
            if (origin === this.origin) return;
            for (const event of events) this.deliver(event);
          },
          { skipOrigin: this.origin },
        );
      },
      (error: unknown) => {
        this.logger.error("could not listen for events", { error: errorMessage(error) });
      },
    );
  }

  // No closure per listener and event: this runs for every event a worker emits.
  private deliver(event: StoreEvent): void {
    for (const listener of this.internal) {
      try {
        listener(event);
      } catch (error) {
        this.threw(error);
      }
    }
    const set = this.listeners.get(event.type);
    if (!set || set.size === 0) return;
    const public_ = toErrandEvent(event);
    for (const listener of set) {
      try {
        listener(public_);
      } catch (error) {
        this.threw(error);
      }
    }
  }

  private threw(error: unknown): void {
    this.logger.error("an event listener threw", { error: errorMessage(error) });
  }
}
