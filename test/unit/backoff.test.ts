import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError } from "../../src/errors.ts";
import { backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from "../../src/policy/backoff.ts";

const noJitter = (): number => 0;
const fullJitter = (): number => 1;

describe("backoff", () => {
  it("fixed waits the same delay every time", () => {
    const policy = resolveBackoff({ type: "fixed", delay: "2s" }, "t");
    assert.deepEqual(
      [1, 2, 5].map((a) => backoffDelay(policy, a, null, noJitter)),
      [2000, 2000, 2000],
    );
  });

  it("exponential doubles from the base delay", () => {
    const policy = resolveBackoff({ type: "exponential", delay: 100 }, "t");
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffDelay(policy, a, null, noJitter)),
      [100, 200, 400, 800],
    );
  });

  it("max caps every delay", () => {
    const policy = resolveBackoff({ type: "exponential", delay: "1s", max: "5s" }, "t");
    assert.equal(backoffDelay(policy, 10, null, noJitter), 5000);
    assert.equal(backoffDelay(policy, 1000, null, noJitter), 5000);
  });

  it("jitter true takes off at most half", () => {
    const policy = resolveBackoff({ type: "fixed", delay: 1000, jitter: true }, "t");
    assert.equal(backoffDelay(policy, 1, null, noJitter), 1000);
    assert.equal(backoffDelay(policy, 1, null, fullJitter), 500);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(policy, 1, null);
      assert.ok(d >= 500 && d <= 1000, `delay ${d} outside 500..1000`);
    }
  });

  it("a jitter fraction sets how much may be taken off", () => {
    const policy = resolveBackoff({ type: "fixed", delay: 1000, jitter: 0.2 }, "t");
    assert.equal(backoffDelay(policy, 1, null, fullJitter), 800);
  });

  it("a function gets the attempt and the error, and may return a duration string", () => {
    const seen: unknown[] = [];
    const policy = resolveBackoff((attempt, error) => {
      seen.push([attempt, error]);
      return `${attempt}s`;
    }, "t");
    assert.equal(backoffDelay(policy, 3, "boom"), 3000);
    assert.deepEqual(seen, [[3, "boom"]]);
  });

  it("defaults to exponential from one second with jitter, capped at an hour", () => {
    assert.deepEqual(resolveBackoff(undefined, "t"), DEFAULT_BACKOFF);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 40, null, noJitter), 3_600_000);
  });

  it("refuses unknown types, bad delays and bad jitter", () => {
    assert.throws(
      () => resolveBackoff({ type: "linear" } as never, "t"),
      /unknown backoff type "linear"/,
    );
    assert.throws(() => resolveBackoff({ type: "fixed", delay: "soon" }, "t"), ConfigError);
    assert.throws(() => resolveBackoff({ type: "fixed", jitter: 2 }, "t"), ConfigError);
    assert.throws(() => resolveBackoff(42 as never, "t"), ConfigError);
  });
});
