import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { StoreEvent } from "../../src/stores/contract.ts";
import {
  BatchReassembler,
  encodeBatch,
  originPrefix,
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
    assert.equal(reader.accept("=o:0123456789ab:0:1:not json"), null);
    assert.equal(reader.accept("=o:0123456789ab:1:1:[]"), null);
    assert.equal(reader.accept("=%E0%A4%A:0123456789ab:0:1:[]"), null);
    assert.equal(reader.accept('=o:0123456789ab:0:1:{"o":"o","e":[]}'), null);
    const pieces = encodeBatch("o", [event(JSON.stringify("x".repeat(20_000)))]);
    assert.equal(reader.accept(pieces[0] as string, 0), null);
    // Much later the rest arrives: the first piece was forgotten, so no batch comes out.
    const late = pieces.slice(1).map((p) => reader.accept(p, 5_000));
    assert.ok(late.every((r) => r === null));
  });

  it("every payload starts with its origin's prefix, which no other origin's payload does", () => {
    const origins = ["a", "a:b", "ab", "0123456789ab", "ünï", "errand:tx-commit"];
    for (const origin of origins) {
      const payloads = encodeBatch(origin, [event(JSON.stringify("z".repeat(9_000)))]);
      assert.ok(payloads.length > 1);
      for (const other of origins) {
        const matches = payloads.every((p) => p.startsWith(originPrefix(other)));
        assert.equal(matches, other === origin, `${origin} vs ${other}`);
      }
    }
  });

  it("a long origin leaves less room per piece but every payload stays under the limit", () => {
    const origin = "€".repeat(500);
    const payloads = encodeBatch(origin, [event(JSON.stringify("y".repeat(30_000)))]);
    assert.ok(payloads.every((p) => Buffer.byteLength(p) < 8_000));
    const reader = new BatchReassembler();
    const done = payloads.map((p) => reader.accept(p)).filter((r) => r !== null);
    assert.equal(done[0]?.origin, origin);
    assert.throws(() => encodeBatch("x".repeat(7_000), [event("1")]), RangeError);
  });

  it("still reads batches in the previous format, whose body holds the origin", () => {
    const body = JSON.stringify({ o: "old", e: [event("1")] });
    const reader = new BatchReassembler();
    assert.deepEqual(reader.accept(`0123456789ab:0:1:${body}`), {
      origin: "old",
      events: [event("1")],
    });
    const half = Math.floor(body.length / 2);
    assert.equal(reader.accept(`0123456789ab:1:2:${body.slice(half)}`), null);
    assert.deepEqual(reader.accept(`0123456789ab:0:2:${body.slice(0, half)}`)?.origin, "old");
  });
});
