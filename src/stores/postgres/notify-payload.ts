import { randomBytes } from "node:crypto";

import type { StoreEvent } from "../contract.ts";

/*
 * NOTIFY payloads must stay under 8000 bytes, but one batch of events can be far larger
 * (a completed event carries the job's result, up to the payload limit). So a batch is
 * written as JSON `{"o": origin, "e": events}` and cut into pieces, each sent as
 * `<message id>:<index>:<count>:<piece>`. The usual small batch is one piece. The
 * pieces of one publish go out in one statement, so they commit together and arrive in
 * order; the reader still keys them by message id, since other processes' messages can
 * arrive in between.
 */

/** Bytes of one piece, leaving room for the header under PostgreSQL's 8000-byte limit. */
export const PIECE_BYTES = 7_900;

/** One delivered batch. */
export interface NotifiedBatch {
  origin: string;
  events: StoreEvent[];
}

/** Splits UTF-8 bytes into pieces of at most `max` bytes, never inside a character. */
function splitUtf8(bytes: Buffer, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    // Continuation bytes look like 10xxxxxx: step back to the start of the character.
    while (end < bytes.length && end > start && ((bytes[end] as number) & 0xc0) === 0x80) end--;
    pieces.push(bytes.toString("utf8", start, end));
    start = end;
  }
  return pieces;
}

/** Encodes one batch of events as NOTIFY payloads, each under the size limit. */
export function encodeBatch(origin: string, events: StoreEvent[], max = PIECE_BYTES): string[] {
  const id = randomBytes(6).toString("hex");
  const body = Buffer.from(JSON.stringify({ o: origin, e: events }), "utf8");
  // Room for the header: the id, two numbers of up to ten digits and three colons.
  const pieces = splitUtf8(body, max - 40);
  return pieces.map((piece, i) => `${id}:${i}:${pieces.length}:${piece}`);
}

interface Partial {
  pieces: (string | undefined)[];
  received: number;
  firstAt: number;
}

/**
 * Puts pieces back together. Returns the batch when its last piece arrives, and null
 * for a piece that does not complete one, or for a payload that is not ours.
 */
export class BatchReassembler {
  private readonly partial = new Map<string, Partial>();

  constructor(private readonly forgetAfterMs = 60_000) {}

  accept(payload: string, now = Date.now()): NotifiedBatch | null {
    const match = /^([0-9a-f]{12}):(\d+):(\d+):/.exec(payload);
    if (!match) return null;
    const [head, id, indexText, countText] = match as unknown as [string, string, string, string];
    const index = Number(indexText);
    const count = Number(countText);
    if (count < 1 || index >= count) return null;
    const piece = payload.slice(head.length);
    if (count === 1) return this.decode(piece);
    this.forgetStale(now);
    let entry = this.partial.get(id);
    if (!entry) {
      entry = { pieces: new Array<string | undefined>(count), received: 0, firstAt: now };
      this.partial.set(id, entry);
    }
    if (entry.pieces[index] === undefined) {
      entry.pieces[index] = piece;
      entry.received += 1;
    }
    if (entry.received < count) return null;
    this.partial.delete(id);
    return this.decode(entry.pieces.join(""));
  }

  /** Drops every partial batch, e.g. after the connection was lost mid-batch. */
  reset(): void {
    this.partial.clear();
  }

  private forgetStale(now: number): void {
    for (const [id, entry] of this.partial) {
      if (now - entry.firstAt > this.forgetAfterMs) this.partial.delete(id);
    }
  }

  private decode(text: string): NotifiedBatch | null {
    try {
      const parsed = JSON.parse(text) as { o?: unknown; e?: unknown };
      if (typeof parsed.o !== "string" || !Array.isArray(parsed.e)) return null;
      return { origin: parsed.o, events: parsed.e as StoreEvent[] };
    } catch {
      return null;
    }
  }
}
