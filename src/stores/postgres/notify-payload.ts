import { randomBytes } from "node:crypto";

import type { StoreEvent } from "../contract.ts";
import { fromTuples, toTuples } from "../event-tuples.ts";

/*
 * NOTIFY payloads must stay under 8000 bytes, but one batch of events can be far larger
 * (a completed event carries the job's result, up to the payload limit). So a batch's
 * events are written as one JSON array of tuples (event-tuples.ts) and cut into pieces,
 * each sent as `=<origin>:<message id>:<index>:<count>:<piece>`, the origin URI-encoded
 * so that it holds no colon. The origin leads so that a subscriber can drop its own
 * batches with one prefix comparison, before keeping a piece or parsing any JSON: a busy
 * worker publishes far more events than it needs to hear back. The usual small batch is
 * one piece. The pieces of one publish go out in one statement, so they commit together
 * and arrive in order; the reader still keys them by message id, since other processes'
 * messages can arrive in between. enqueue_announced() (migration 004-events.sql) writes
 * the same format in SQL, for the events an enqueue publishes itself.
 *
 * The previous format, `<message id>:<index>:<count>:<piece>` with the pieces forming
 * `{"o": origin, "e": events}`, is still read, so processes of the previous release
 * are heard during a rolling upgrade (their batches cannot be skipped undecoded).
 */

/** Bytes of one payload at most, under PostgreSQL's 8000-byte limit. */
export const PIECE_BYTES = 7_900;

/** Header bytes besides the origin: "=", the 12-digit id, two 10-digit numbers, 4 colons. */
const HEADER_BYTES = 40;

/** An origin long enough to leave less than this per piece is refused. */
const MIN_PIECE_BYTES = 1_000;

/** One delivered batch. */
export interface NotifiedBatch {
  origin: string;
  events: StoreEvent[];
}

/** The origin as it appears in a payload's header. */
export function originField(origin: string): string {
  return encodeURIComponent(origin);
}

/** What every payload published under `origin` starts with. */
export function originPrefix(origin: string): string {
  return `=${originField(origin)}:`;
}

/** Bytes of JSON per piece for an origin, so that each payload stays within `max`. */
export function pieceBytes(origin: string, max = PIECE_BYTES): number {
  const room = max - HEADER_BYTES - Buffer.byteLength(originField(origin));
  if (room < MIN_PIECE_BYTES) throw new RangeError("An event origin must be under 6,800 bytes.");
  return room;
}

/** A message id: 12 hex digits, unique enough to key one batch's pieces. */
function messageId(): string {
  return randomBytes(6).toString("hex");
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
  const room = pieceBytes(origin, max);
  const head = `=${originField(origin)}:${messageId()}:`;
  const body = JSON.stringify(toTuples(events));
  // JSON text is at most 3 bytes per UTF-16 unit: most batches need no byte count at all.
  if (body.length * 3 <= room || Buffer.byteLength(body) <= room) return [`${head}0:1:${body}`];
  const pieces = splitUtf8(Buffer.from(body, "utf8"), room);
  return pieces.map((piece, i) => `${head}${i}:${pieces.length}:${piece}`);
}

interface Partial {
  pieces: (string | undefined)[];
  received: number;
  firstAt: number;
  /** The batch's origin, or null for the previous format (whose body holds it). */
  origin: string | null;
}

interface Piece {
  id: string;
  index: number;
  count: number;
  origin: string | null;
  text: string;
}

/** The colon-separated header fields of the current format, or null if malformed. */
function parsePiece(payload: string): Piece | null {
  const c1 = payload.indexOf(":", 1);
  const c2 = c1 < 0 ? -1 : payload.indexOf(":", c1 + 1);
  const c3 = c2 < 0 ? -1 : payload.indexOf(":", c2 + 1);
  const c4 = c3 < 0 ? -1 : payload.indexOf(":", c3 + 1);
  if (c4 < 0) return null;
  const index = Number(payload.slice(c2 + 1, c3));
  const count = Number(payload.slice(c3 + 1, c4));
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) {
    return null;
  }
  let origin: string;
  try {
    origin = decodeURIComponent(payload.slice(1, c1));
  } catch {
    return null;
  }
  return { id: payload.slice(c1 + 1, c2), index, count, origin, text: payload.slice(c4 + 1) };
}

/** A piece of the previous format, or null if the payload is not one. */
function parseLegacyPiece(payload: string): Piece | null {
  const match = /^([0-9a-f]{12}):(\d+):(\d+):/.exec(payload);
  if (!match) return null;
  const [head, id, indexText, countText] = match as unknown as [string, string, string, string];
  const index = Number(indexText);
  const count = Number(countText);
  if (count < 1 || index >= count) return null;
  return { id, index, count, origin: null, text: payload.slice(head.length) };
}

/**
 * Puts pieces back together. Returns the batch when its last piece arrives, and null
 * for a piece that does not complete one, or for a payload that is not ours.
 */
export class BatchReassembler {
  private readonly partial = new Map<string, Partial>();

  constructor(private readonly forgetAfterMs = 60_000) {}

  accept(payload: string, now = Date.now()): NotifiedBatch | null {
    const piece = payload.startsWith("=") ? parsePiece(payload) : parseLegacyPiece(payload);
    if (!piece) return null;
    if (piece.count === 1) return this.decode(piece.text, piece.origin);
    this.forgetStale(now);
    let entry = this.partial.get(piece.id);
    if (!entry) {
      entry = {
        pieces: new Array<string | undefined>(piece.count),
        received: 0,
        firstAt: now,
        origin: piece.origin,
      };
      this.partial.set(piece.id, entry);
    }
    if (entry.pieces.length !== piece.count || entry.origin !== piece.origin) return null;
    if (entry.pieces[piece.index] === undefined) {
      entry.pieces[piece.index] = piece.text;
      entry.received += 1;
    }
    if (entry.received < piece.count) return null;
    this.partial.delete(piece.id);
    return this.decode(entry.pieces.join(""), entry.origin);
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

  private decode(text: string, origin: string | null): NotifiedBatch | null {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (origin !== null) {
        const events = fromTuples(parsed);
        return events === null ? null : { origin, events };
      }
      const legacy = parsed as { o?: unknown; e?: unknown } | null;
      if (typeof legacy?.o !== "string" || !Array.isArray(legacy.e)) return null;
      return { origin: legacy.o, events: legacy.e as StoreEvent[] };
    } catch {
      return null;
    }
  }
}
