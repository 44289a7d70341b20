import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { StoreEvent } from "../../src/stores/contract.ts";
import { fromTuples, toTuples } from "../../src/stores/event-tuples.ts";

const base = { name: "t", queue: "q", at: 5 };

describe("event tuples", () => {
  it("a batch of every kind of event comes back exactly as it went", () => {
    const events: StoreEvent[] = [
      { type: "enqueued", jobId: "1", ...base },
      { type: "started", jobId: "1", ...base, attempt: 1 },
      { type: "progress", jobId: "1", ...base, at: 6, progress: '{"p":1}' },
      { type: "completed", jobId: "1", ...base, at: 7, attempt: 1, result: '"ok"' },
      { type: "retrying", jobId: "2", name: "u", queue: "q", at: 0, attempt: 2, error: "{}" },
      { type: "dead", jobId: "3", name: "u", queue: "r", at: 0, error: '{"m":"x"}' },
      { type: "cancelled", jobId: "4", name: "t", queue: "q", at: 0 },
      { type: "stalled", jobId: "5", name: "t", queue: "q", at: 9, attempt: 0 },
    ];
    assert.deepEqual(fromTuples(JSON.parse(JSON.stringify(toTuples(events)))), events);
  });

  it("repeated names, queues and times are written once", () => {
    const events: StoreEvent[] = Array.from({ length: 3 }, (_, i) => ({
      type: "started",
      jobId: String(i),
      name: "a.long.task.name",
      queue: "a-queue",
      at: 1_700_000_000_000,
      attempt: 1,
    }));
    assert.deepEqual(toTuples(events), [
      ["started", "0", "a.long.task.name", "a-queue", 1_700_000_000_000, 1],
      ["started", "1", null, null, null, 1],
      ["started", "2", null, null, null, 1],
    ]);
    assert.ok(JSON.stringify(toTuples(events)).length < JSON.stringify(events).length / 2);
  });

  it("refuses what is not a batch of tuples", () => {
    assert.equal(fromTuples({ e: [] }), null);
    assert.equal(fromTuples([{ type: "started" }]), null);
    assert.equal(fromTuples([["started", "1", null, "q", 1]]), null, "no name to repeat");
    assert.equal(fromTuples([["started", 1, "t", "q", 1]]), null);
    assert.equal(fromTuples([["started", "1", "t", "q", "1"]]), null);
    assert.deepEqual(fromTuples([]), []);
  });
});
