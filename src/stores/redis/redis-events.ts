import { errorMessage, type Logger } from "../../logger.ts";
import { retryDelay } from "../../policy/retry-delay.ts";
import type { EventHandlerFn, StoreEvent, SubscribeOptions } from "../contract.ts";
import { duplicateClient, ensureReady, type RedisClient, watchErrors } from "./connection.ts";

/** Entries kept in the stream; readers more than this far behind skip ahead (enqueued-events.lua keeps the same). */
const STREAM_LENGTH = 500;
/** How long one blocking read waits before it is issued again. */
const BLOCK_MS = 5_000;

type StreamReply = [string, [string, string[]][]][] | null;

/**
 * Carries events between processes through one capped Redis stream per prefix.
 * Publishers append a batch per entry (XADD with approximate MAXLEN). A subscribing store
 * reads with XREAD BLOCK on its own connection, opened on the first subscribe, and
 * starts from the stream's last entry as seen at the moment of that call, so no event
 * published after `subscribe` returns is missed while the reader connects. The reader
 * keeps its position across reconnections, so a short outage loses no events either.
 */
export class RedisEventStream {
  /** Each handler with the origin it does not want to hear (undefined: hears all). */
  private readonly handlers = new Map<EventHandlerFn, string | undefined>();
  private reader: RedisClient | null = null;
  private unwatch: (() => void) | null = null;
  private generation = 0;
  private running = false;

  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
    private readonly logger: Logger,
    private readonly ready: () => Promise<void>,
  ) {}

  async publish(origin: string, events: StoreEvent[]): Promise<void> {
    await this.ready();
    await this.client.xadd(
      this.key,
      "MAXLEN",
      "~",
      STREAM_LENGTH,
      "*",
      "o",
      origin,
      "e",
      JSON.stringify(events),
    );
  }

  subscribe(handler: EventHandlerFn, options: SubscribeOptions = {}): () => void {
    this.handlers.set(handler, options.skipOrigin);
    if (!this.running) this.start();
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) this.stop();
    };
  }

  stop(): void {
    this.running = false;
    this.generation += 1;
    this.unwatch?.();
    this.unwatch = null;
    // Closed mid-reconnect, the reader still reports its failed handshake: hear it.
    this.reader?.on("error", () => undefined);
    this.reader?.disconnect();
    this.reader = null;
  }

  private start(): void {
    this.running = true;
    const generation = ++this.generation;
    // Asked on the main connection right away, before the reader exists: the answer
    // marks "now" in the stream, so events appended from here on are all read.
    const position =
      this.client.status === "ready"
        ? this.lastEntryId()
        : this.ready().then(() => this.lastEntryId());
    position.catch(() => undefined);
    void this.loop(generation, position);
  }

  private async lastEntryId(): Promise<string> {
    const last = await this.client.xrevrange(this.key, "+", "-", "COUNT", 1);
    return last[0]?.[0] ?? "0-0";
  }

  private async loop(generation: number, position: Promise<string>): Promise<void> {
    let after = "";
    let failures = 0;
    while (this.generation === generation) {
      try {
        if (after === "")
          after = await position.catch(() => this.ready().then(() => this.lastEntryId()));
        const reader = this.openReader();
        await ensureReady(reader, 5_000);
        const reply = (await reader.xread(
          "COUNT",
          500,
          "BLOCK",
          BLOCK_MS,
          "STREAMS",
          this.key,
          after,
        )) as StreamReply;
        failures = 0;
        if (this.generation !== generation) return;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            after = id;
            this.deliver(fields);
          }
        }
      } catch (error) {
        if (this.generation !== generation) return;
        if (failures === 0) {
          this.logger.warn("reading events from Redis failed; retrying", {
            error: errorMessage(error),
          });
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelay(failures++)).unref());
      }
    }
  }

  private openReader(): RedisClient {
    if (!this.reader) {
      this.reader = duplicateClient(this.client, BLOCK_MS);
      this.unwatch = watchErrors(this.reader, this.logger, "Redis event reader");
    }
    return this.reader;
  }

  /**
   * Hands one entry to the handlers that want its origin. The origin is read first, so an
   * entry no handler wants (a worker's own started and completed events, most of what it
   * reads) is never JSON-decoded.
   */
  private deliver(fields: string[]): void {
    let origin = "";
    let text = "[]";
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "o") origin = fields[i + 1] as string;
      else if (fields[i] === "e") text = fields[i + 1] as string;
    }
    const wanting: EventHandlerFn[] = [];
    for (const [handler, skipOrigin] of this.handlers) {
      if (skipOrigin !== origin) wanting.push(handler);
    }
    if (wanting.length === 0) return;
    const events = JSON.parse(text) as StoreEvent[];
    for (const handler of wanting) {
      try {
        handler(events, origin);
      } catch (error) {
        this.logger.error("an event handler threw", { error: errorMessage(error) });
      }
    }
  }
}
