import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { type BufferState, planBuffer } from "../../src/worker/isolation.ts";
import { claimSize } from "../../src/worker/refill.ts";

const idle: BufferState = {
  concurrency: 4,
  prefetch: 0,
  running: 0,
  isolatedRunning: false,
  busy: false,
};

/** The plan for a buffer written as a string: `s` a stalled job, `o` an ordinary one. */
function plan(state: Partial<BufferState>, buffer: string) {
  const flags = [...buffer].map((ch) => ch === "s");
  return planBuffer({ ...idle, ...state }, flags, flags.length);
}

describe("isolation: which buffered jobs start", () => {
  it("ordinary jobs fill the free slots, as before", () => {
    assert.deepEqual(plan({}, "oooooo"), { start: 4, keep: 6 });
    assert.deepEqual(plan({ running: 3 }, "ooo"), { start: 1, keep: 3 });
  });

  it("a stalled job at the head starts alone, the rest of its batch handed back first", () => {
    assert.deepEqual(plan({}, "s"), { start: 1, keep: 1 });
    // The hand-back must land before the job may kill the process: it starts next round.
    assert.deepEqual(plan({}, "sooo"), { start: 0, keep: 1 });
    assert.deepEqual(plan({ prefetch: 3 }, "sooo"), { start: 1, keep: 4 });
    assert.deepEqual(plan({ prefetch: 1 }, "sooo"), { start: 0, keep: 2 });
  });

  it("a stalled job waits for running jobs, settles and hand-backs", () => {
    assert.deepEqual(plan({ running: 1 }, "s"), { start: 0, keep: 1 });
    assert.deepEqual(plan({ busy: true }, "s"), { start: 0, keep: 1 });
  });

  it("nothing behind a waiting stalled job starts, though slots are free", () => {
    assert.deepEqual(plan({ prefetch: 2 }, "osoo"), { start: 1, keep: 4 });
    assert.deepEqual(plan({}, "oosoo"), { start: 2, keep: 3 });
  });

  it("nothing starts while a stalled job runs; the buffer keeps only prefetch", () => {
    assert.deepEqual(plan({ running: 1, isolatedRunning: true }, "ooo"), { start: 0, keep: 0 });
    assert.deepEqual(plan({ running: 1, isolatedRunning: true, prefetch: 2 }, "ooo"), {
      start: 0,
      keep: 2,
    });
  });

  it("an isolating worker claims only its prefetch ahead", () => {
    const state = { concurrency: 4, running: 1, buffered: 0, settling: 0, limited: false };
    assert.equal(claimSize({ ...state, prefetch: 0, isolating: true }), 0);
    assert.equal(claimSize({ ...state, prefetch: 4, isolating: true }), 4);
    assert.equal(claimSize({ ...state, prefetch: 4, buffered: 1, isolating: true }), 3);
    assert.equal(claimSize({ ...state, prefetch: 0 }), 3);
  });
});
