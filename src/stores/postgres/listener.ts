import type pg from "pg";

import { retryDelay } from "../../policy/retry-delay.ts";
import type { EventHandlerFn, SubscribeOptions } from "../contract.ts";
import { BatchReassembler, originPrefix } from "./notify-payload.ts";

/** What the listener needs from its store. */
export interface ListenerOptions {
  /** Makes a new, unconnected client with the store's connection settings. */
  makeClient: () => pg.Client;
  /** The channel to listen on, as a value (for matching notifications). */
  channel: string;
  /** The LISTEN statement (see queries/listen.sql). */
  listenSql: string;
  /** Told about connection trouble, for logs; never throws. */
  onError: (error: unknown) => void;
}

/** A handler, and the origin whose batches it does not want (with their payloads' prefix). */
interface Subscription {
  handler: EventHandlerFn;
  skipOrigin: string | null;
  skipPrefix: string | null;
}

/**
 * One dedicated LISTEN connection per store: opened on the first `subscribe`, kept
 * until `close`, and reopened with jittered backoff whenever it drops (a server restart,
 * a network cut). Notifications sent while it was down are lost; workers do not depend
 * on them, since their slow poll still finds the jobs.
 */
export class PgListener {
  private readonly subscriptions = new Set<Subscription>();
  private readonly reassembler = new BatchReassembler();
  private client: pg.Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: ListenerOptions) {}

  /** Adds a handler; opens the connection if this is the first. */
  subscribe(handler: EventHandlerFn, options: SubscribeOptions = {}): () => void {
    const skipOrigin = options.skipOrigin ?? null;
    const subscription: Subscription = {
      handler,
      skipOrigin,
      skipPrefix: skipOrigin === null ? null : originPrefix(skipOrigin),
    };
    this.subscriptions.add(subscription);
    if (!this.client && !this.retryTimer && !this.closed) this.connect();
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /** Resolves once LISTEN is in effect (or the attempt failed); for tests and tools. */
  async listening(): Promise<void> {
    await this.ready;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    const client = this.options.makeClient();
    this.client = client;
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    client.on("notification", (message) => this.receive(message));
    this.ready = (async () => {
      try {
        await client.connect();
        await client.query(this.options.listenSql);
        this.failures = 0;
      } catch (error) {
        this.lost(client, error);
      }
    })();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.reassembler.reset();
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (error) this.options.onError(error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, retryDelay(this.failures++));
    this.retryTimer.unref();
  }

  private receive(message: pg.Notification): void {
    if (message.channel !== this.options.channel || message.payload === undefined) return;
    if (this.nobodyWants(message.payload)) return;
    const batch = this.reassembler.accept(message.payload);
    if (!batch) return;
    for (const { handler, skipOrigin } of this.subscriptions) {
      if (batch.origin === skipOrigin) continue;
      try {
        handler(batch.events, batch.origin);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  /** Whether every handler skips this payload's origin: then it is not even decoded. */
  private nobodyWants(payload: string): boolean {
    for (const { skipPrefix } of this.subscriptions) {
      if (skipPrefix === null || !payload.startsWith(skipPrefix)) return false;
    }
    return true;
  }
}
