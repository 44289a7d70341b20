import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { StoreEvent } from "../../src/stores/contract.ts";
import {
  BatchReassembler,
  encodeBatch,
  PIECE_BYTES,
} from "../../src/stores/postgres/notify-payload.ts";

function event(result: string): StoreEvent {
  return { type: "completed", jobId: "1", name: "t", queue: "q", at: 1, result };
}

describe("NOTIFY payloads", () => {
  it("a small batch is one payload that decodes to the same events and origin", () => {
    const events = [event('"ok"'), { ...event("1"), jobId: "2" }];
    const payloads = encodeBatch("origin-1", events);
    assert.equal(payloads.length, 1);
    assert.deepEqual(new BatchReassembler().accept(payloads[0] as string), {
      origin: "origin-1",
      events,
    });
  });

  it("a large batch of multi-byte text is cut under the byte limit and put back together", () => {
    const big = JSON.stringify("ünïcødé €uro 😀 ".repeat(4_000));
    const payloads = encodeBatch("o", [event(big)]);
    assert.ok(payloads.length > 5);
    for (const p of payloads) assert.ok(Buffer.byteLength(p) < PIECE_BYTES + 100);
    assert.ok(payloads.every((p) => Buffer.byteLength(p) < 8_000));
    const reader = new BatchReassembler();
    const results = payloads.map((p) => reader.accept(p));
    assert.deepEqual(results.slice(0, -1), new Array(payloads.length - 1).fill(null));
    assert.equal(results.at(-1)?.events[0]?.result, big);
  });

  it("pieces of two batches arriving interleaved and out of order still decode", () => {
    const a = encodeBatch("a", [event(JSON.stringify("a".repeat(20_000)))]);
    const b = encodeBatch("b", [event(JSON.stringify("b".repeat(20_000)))]);
    const mixed = [...a.reverse(), ...b].sort((x, y) => x.length - y.length);
    const reader = new BatchReassembler();
    const done = mixed.map((p) => reader.accept(p)).filter((r) => r !== null);
    assert.deepEqual(done.map((r) => r?.origin).sort(), ["a", "b"]);
  });

  it("ignores payloads that are not ours and forgets a batch whose pieces stopped coming", () => {
    const reader = new BatchReassembler(1_000);
    assert.equal(reader.accept("hello"), null);
    assert.equal(reader.accept("0123456789ab:0:1:not json"), null);
    const pieces = encodeBatch("o", [event(JSON.stringify("x".repeat(20_000)))]);
    assert.equal(reader.accept(pieces[0] as string, 0), null);
    // Much later the rest arrives: the first piece was forgotten, so no batch comes out.
    const late = pieces.slice(1).map((p) => reader.accept(p, 5_000));
    assert.ok(late.every((r) => r === null));
  });
});
