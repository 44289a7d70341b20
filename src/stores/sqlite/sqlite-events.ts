import type { EventHandlerFn, StoreEvent } from "../contract.ts";
import type { Statements } from "./statements.ts";

interface EventRow {
  id: number;
  origin: string;
  body: string;
}

/**
 * Delivers events between processes that share one SQLite file. Publishers append a
 * row per batch; each listening store polls for rows after the last it saw. SQLite has
 * no notification channel between processes, so a short poll (cheap: an index seek
 * that usually finds nothing) is the mechanism.
 */
export class SqliteEventLog {
  private readonly handlers = new Set<EventHandlerFn>();
  private timer: NodeJS.Timeout | null = null;
  private lastId = 0;
  private publishedSincePrune = 0;

  constructor(
    private readonly statements: Statements,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  publish(origin: string, events: StoreEvent[], now: number): void {
    this.statements.publish.run({ origin, at: now, body: JSON.stringify(events) });
    this.publishedSincePrune += 1;
    if (this.publishedSincePrune >= 500) {
      this.publishedSincePrune = 0;
      this.statements["prune-events"].run({ before: now - 60_000 });
    }
  }

  subscribe(handler: EventHandlerFn): () => void {
    if (this.handlers.size === 0) this.start();
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private start(): void {
    this.lastId = (this.statements["last-event"].get() as { id: number }).id;
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  private poll(): void {
    let rows: EventRow[];
    try {
      rows = this.statements["read-events"].all({ after: this.lastId, limit: 1000 }) as EventRow[];
    } catch (error) {
      this.onError(error);
      return;
    }
    for (const row of rows) {
      this.lastId = row.id;
      const events = JSON.parse(row.body) as StoreEvent[];
      for (const handler of this.handlers) handler(events, row.origin);
    }
  }
}
