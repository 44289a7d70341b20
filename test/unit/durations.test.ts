import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError, ValidationError } from "../../src/errors.ts";
import { toMs } from "../../src/policy/durations.ts";

describe("durations", () => {
  it("reads every unit", () => {
    assert.equal(toMs("250ms", "x"), 250);
    assert.equal(toMs("30s", "x"), 30_000);
    assert.equal(toMs("5m", "x"), 300_000);
    assert.equal(toMs("2h", "x"), 7_200_000);
    assert.equal(toMs("7d", "x"), 604_800_000);
    assert.equal(toMs("1w", "x"), 604_800_000);
    assert.equal(toMs("1.5s", "x"), 1_500);
    assert.equal(toMs(" 10 s ", "x"), 10_000);
  });

  it("takes numbers as milliseconds, rounded", () => {
    assert.equal(toMs(0, "x"), 0);
    assert.equal(toMs(12.6, "x"), 13);
  });

  for (const bad of ["5 parsecs", "", "s", "-1s", "1e3", "10", "1.s", "ms5"]) {
    it(`refuses ${JSON.stringify(bad)} with a ConfigError naming the option`, () => {
      assert.throws(
        () => toMs(bad, "timeout"),
        (e: unknown) =>
          e instanceof ConfigError && e.code === "CONFIG" && e.message.startsWith("timeout"),
      );
    });
  }

  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses the number ${bad}`, () => {
      assert.throws(() => toMs(bad, "delay"), ConfigError);
    });
  }

  it("throws the caller's error type when one is given", () => {
    assert.throws(
      () => toMs("soon", "delay", (m) => new ValidationError(m)),
      (e: unknown) => e instanceof ValidationError,
    );
  });
});
