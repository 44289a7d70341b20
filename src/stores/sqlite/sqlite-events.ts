import { type FSWatcher, watch } from "node:fs";

import type { EventHandlerFn, StoreEvent } from "../contract.ts";
import { fromTuples, toTuples } from "../event-tuples.ts";
import type { Statements } from "./statements.ts";

/**
 * Delays (ms) of the checks that follow a reported write. A commit writes its last frame
 * to the -wal file a moment before it updates the index in -shm that makes it visible
 * (and with synchronous FULL an fsync comes in between), so the check the watch triggers
 * can come too early; these catch that commit without waiting for the poll.
 */
const FOLLOW_UP_MS = [1, 4, 16] as const;

interface EventRow {
  id: number;
  origin: string;
  /** Null for batches this store published itself (see read-events.sql). */
  body: string | null;
}

/**
 * Delivers events between processes that share one SQLite file. Publishers append a
 * row per batch. SQLite has no notification channel between processes, but every commit
 * writes to the `-wal` file: a listening store watches that file (inotify on Linux) and,
 * when it changes, asks `PRAGMA data_version` whether another connection committed before
 * reading the rows after the last it saw. A slow poll of the same check stays as the
 * fallback, for file systems where watching reports nothing. Batches this store
 * publishes go to its own subscribers in memory at once and are skipped when read back;
 * a batch whose origin every subscriber skips (a worker's own, published by another
 * store of the process) is passed over without decoding its JSON.
 */
export class SqliteEventLog {
  /** Each handler with the origin whose batches it does not want (SubscribeOptions.skipOrigin). */
  private readonly handlers = new Map<EventHandlerFn, string | undefined>();
  /** Origins published through this store; JSON for read-events.sql's @own. */
  private readonly own = new Set<string>();
  private ownJson = "[]";
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private checkQueued = false;
  private followUp: NodeJS.Timeout | null = null;
  private followUpStep = 0;
  private lastId = 0;
  private dataVersion = -1;
  private publishedSincePrune = 0;

  constructor(
    private readonly statements: Statements,
    private readonly pollMs: number,
    /** The file every commit writes to, or null when there is none to watch. */
    private readonly walPath: string | null,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Appends batches as rows; call inside a write transaction. */
  append(batches: readonly { origin: string; events: StoreEvent[] }[], now: number): void {
    for (const { origin, events } of batches) {
      if (!this.own.has(origin)) {
        this.own.add(origin);
        this.ownJson = JSON.stringify([...this.own]);
      }
      this.statements.publish.run({ origin, at: now, body: JSON.stringify(toTuples(events)) });
      this.publishedSincePrune += 1;
    }
    if (this.publishedSincePrune >= 500) {
      this.publishedSincePrune = 0;
      this.statements["prune-events"].run({ before: now - 60_000, limit: 1_000 });
    }
  }

  /** Hands a batch of this store's to its own subscribers, in memory. */
  delivered(origin: string, events: StoreEvent[]): void {
    this.dispatch(events, origin);
  }

  subscribe(handler: EventHandlerFn, skipOrigin?: string): () => void {
    if (this.handlers.size === 0) this.start();
    this.handlers.set(handler, skipOrigin);
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.followUp) clearTimeout(this.followUp);
    this.followUp = null;
    this.watcher?.close();
    this.watcher = null;
  }

  private start(): void {
    this.dataVersion = this.readDataVersion();
    this.lastId = (this.statements["last-event"].get() as { id: number }).id;
    this.timer = setInterval(() => this.check(), this.pollMs);
    this.timer.unref();
    if (this.walPath !== null) this.watch(this.walPath);
  }

  private watch(path: string): void {
    try {
      this.watcher = watch(path, { persistent: false }, () => this.onWrite());
      // A watch that fails later (file replaced, watch limit) leaves the poll in charge.
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  /** A write to the -wal file: check now, and again a little later in case it was early. */
  private onWrite(): void {
    this.queueCheck();
    if (this.followUp) clearTimeout(this.followUp);
    this.followUpStep = 0;
    this.followUp = setTimeout(() => this.followUpCheck(), FOLLOW_UP_MS[0]);
    this.followUp.unref();
  }

  private followUpCheck(): void {
    this.followUp = null;
    if (this.check()) return;
    const delay = FOLLOW_UP_MS[++this.followUpStep];
    if (delay === undefined) return;
    this.followUp = setTimeout(() => this.followUpCheck(), delay);
    this.followUp.unref();
  }

  /** One check per turn of the event loop, however many writes the watch reported. */
  private queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      this.check();
    });
  }

  private readDataVersion(): number {
    return this.statements["data-version"].pluck().get() as number;
  }

  /** Reads what other connections committed since the last check; false when nothing. */
  private check(): boolean {
    if (this.handlers.size === 0) return false;
    let rows: EventRow[];
    try {
      const version = this.readDataVersion();
      if (version === this.dataVersion) return false;
      // Read after the version: a commit in between is read now and only bumps it again.
      this.dataVersion = version;
      rows = this.statements["read-events"].all({
        after: this.lastId,
        limit: 1000,
        own: this.ownJson,
      }) as EventRow[];
    } catch (error) {
      this.onError(error);
      return false;
    }
    for (const row of rows) {
      this.lastId = row.id;
      if (row.body !== null && this.wanted(row.origin))
        this.decodeAndDispatch(row.body, row.origin);
    }
    // A full page may have more behind it: read on without waiting for another write.
    if (rows.length === 1000) {
      this.dataVersion = -1;
      this.queueCheck();
    }
    return true;
  }

  private decodeAndDispatch(body: string, origin: string): void {
    let events: StoreEvent[] | null;
    try {
      events = decodeBody(JSON.parse(body));
    } catch (error) {
      // A row another program wrote badly is passed over, not allowed to stop the reader.
      this.onError(error);
      return;
    }
    if (events === null) {
      this.onError(new Error(`Event batch ${body.slice(0, 80)} is neither tuples nor events.`));
      return;
    }
    this.dispatch(events, origin);
  }

  /** False when every handler skips this origin: the batch is then never decoded. */
  private wanted(origin: string): boolean {
    for (const skip of this.handlers.values()) if (skip !== origin) return true;
    return false;
  }

  private dispatch(events: StoreEvent[], origin: string): void {
    for (const [handler, skip] of this.handlers) {
      if (skip === origin) continue;
      try {
        handler(events, origin);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/**
 * A batch's events from its row: tuples (event-tuples.ts), or the objects that releases
 * before December 2026 wrote, so rows a previous release left in the file still read.
 */
function decodeBody(parsed: unknown): StoreEvent[] | null {
  if (!Array.isArray(parsed)) return null;
  if (parsed.length === 0 || Array.isArray(parsed[0])) return fromTuples(parsed);
  return parsed as StoreEvent[];
}
