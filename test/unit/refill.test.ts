import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  claimSize,
  type RefillState,
  settleBacklogLimit,
  startsFromBuffer,
} from "../../src/worker/refill.ts";

const idle: RefillState = {
  concurrency: 1,
  prefetch: 0,
  running: 0,
  buffered: 0,
  settling: 0,
  limited: false,
};

describe("refill: how many jobs a worker claims", () => {
  it("without prefetch it claims exactly its free slots", () => {
    assert.equal(claimSize({ ...idle, concurrency: 10 }), 10);
    assert.equal(claimSize({ ...idle, concurrency: 10, running: 7 }), 3);
    assert.equal(claimSize({ ...idle, concurrency: 10, running: 10 }), 0);
  });

  it("a job whose outcome is still settling holds no slot", () => {
    assert.equal(claimSize({ ...idle, concurrency: 1, settling: 1 }), 1);
  });

  it("an empty worker with prefetch claims concurrency + prefetch in one round trip", () => {
    assert.equal(claimSize({ ...idle, concurrency: 1, prefetch: 200 }), 201);
    assert.equal(claimSize({ ...idle, concurrency: 50, prefetch: 200 }), 250);
  });

  it("free slots the buffer cannot fill are claimed with a full buffer's worth on top", () => {
    assert.equal(
      claimSize({ ...idle, concurrency: 10, prefetch: 20, running: 5, buffered: 2 }),
      23,
    );
  });

  it("a buffer more than half full is not topped up", () => {
    const busy = { ...idle, concurrency: 4, prefetch: 10, running: 4 };
    assert.equal(claimSize({ ...busy, buffered: 10 }), 0);
    assert.equal(claimSize({ ...busy, buffered: 6 }), 0);
  });

  it("a buffer half spent is topped up to concurrency + prefetch in one claim", () => {
    const busy = { ...idle, concurrency: 4, prefetch: 10, running: 4 };
    assert.equal(claimSize({ ...busy, buffered: 5 }), 5);
    assert.equal(claimSize({ ...busy, buffered: 0 }), 10);
    assert.equal(claimSize({ ...idle, concurrency: 1, prefetch: 1, running: 1 }), 1);
  });

  it("flow-control limits turn prefetch off", () => {
    const limited = { ...idle, concurrency: 3, prefetch: 100, limited: true };
    assert.equal(claimSize(limited), 3);
    assert.equal(claimSize({ ...limited, running: 3 }), 0);
  });

  it("too many outcomes waiting for their settle stop the claims", () => {
    const limit = settleBacklogLimit(1, 0);
    assert.equal(claimSize({ ...idle, settling: limit - 1 }), 1);
    assert.equal(claimSize({ ...idle, settling: limit }), 0);
    assert.equal(claimSize({ ...idle, prefetch: 200, settling: limit }), 201);
  });

  it("the settle backlog grows with what the worker may hold, never below 64", () => {
    assert.equal(settleBacklogLimit(1, 0), 64);
    assert.equal(settleBacklogLimit(50, 200), 500);
  });
});

describe("refill: starting buffered jobs", () => {
  it("starts as many as there are free slots, and no more than are buffered", () => {
    assert.equal(startsFromBuffer({ concurrency: 4, running: 1, buffered: 10 }), 3);
    assert.equal(startsFromBuffer({ concurrency: 4, running: 1, buffered: 2 }), 2);
    assert.equal(startsFromBuffer({ concurrency: 4, running: 4, buffered: 2 }), 0);
    assert.equal(startsFromBuffer({ concurrency: 4, running: 0, buffered: 0 }), 0);
  });
});
