import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  RetryAfterError,
  TimeoutError,
  UnrecoverableError,
  ValidationError,
} from "../../src/errors.ts";
import { resolveBackoff } from "../../src/policy/backoff.ts";
import { decideFailure, serializeError } from "../../src/policy/failure.ts";
import { retryDelay } from "../../src/policy/retry-delay.ts";

const backoff = resolveBackoff({ type: "exponential", delay: 100 }, "t");
const at = (attempt: number, stalls = 0, attempts = 3) => ({ attempt, stalls, attempts, backoff });

describe("failure decisions", () => {
  it("retries with the backoff until the tries are used up", () => {
    assert.deepEqual(decideFailure(new Error("x"), at(1)), { kind: "retry", delayMs: 100 });
    assert.deepEqual(decideFailure(new Error("x"), at(2)), { kind: "retry", delayMs: 200 });
    assert.deepEqual(decideFailure(new Error("x"), at(3)), { kind: "dead" });
  });

  it("does not count starts lost to crashed workers as tries", () => {
    assert.deepEqual(decideFailure(new Error("x"), at(3, 2)), { kind: "retry", delayMs: 100 });
    assert.deepEqual(decideFailure(new Error("x"), at(5, 2)), { kind: "dead" });
  });

  it("goes dead at once for unrecoverable errors and payloads that fail validation", () => {
    assert.deepEqual(decideFailure(new UnrecoverableError("no"), at(1)), { kind: "dead" });
    assert.deepEqual(decideFailure(new ValidationError("bad"), at(1)), { kind: "dead" });
  });

  it("uses the delay a RetryAfterError asks for, and the backoff when it is malformed", () => {
    assert.deepEqual(decideFailure(new RetryAfterError("slow", "90s"), at(1)), {
      kind: "retry",
      delayMs: 90_000,
    });
    assert.deepEqual(decideFailure(new RetryAfterError("slow", "later"), at(1)), {
      kind: "retry",
      delayMs: 100,
    });
    assert.deepEqual(decideFailure(new RetryAfterError("slow", "1s"), at(3)), { kind: "dead" });
  });

  it("stores name, message, stack and code of errors, and describes anything else thrown", () => {
    const stored = serializeError(new TimeoutError("too slow"));
    assert.equal(stored.name, "TimeoutError");
    assert.equal(stored.message, "too slow");
    assert.equal(stored.code, "TIMEOUT");
    assert.match(stored.stack ?? "", /TimeoutError: too slow/);
    assert.deepEqual(serializeError("plain"), { name: "Error", message: "plain" });
    assert.deepEqual(serializeError({ a: 1 }), {
      name: "Error",
      message: 'Non-error thrown: {"a":1}',
    });
  });
});

describe("store retry delays", () => {
  it("grow exponentially from 100 ms, stay under 5 s and spread with jitter", () => {
    assert.equal(
      retryDelay(0, () => 0),
      50,
    );
    assert.equal(
      retryDelay(0, () => 1),
      100,
    );
    assert.equal(
      retryDelay(3, () => 1),
      800,
    );
    assert.equal(
      retryDelay(50, () => 1),
      5000,
    );
    assert.equal(
      retryDelay(50, () => 0),
      2500,
    );
  });
});
