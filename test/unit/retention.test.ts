import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError } from "../../src/errors.ts";
import { pruneBefore, removeOnFinish, resolveRetention } from "../../src/policy/retention.ts";

describe("retention", () => {
  it("defaults to the fallback age", () => {
    assert.deepEqual(resolveRetention(undefined, "1d", "keepCompleted"), {
      ageMs: 86_400_000,
      count: null,
    });
  });

  it("takes a duration, or an age and a count", () => {
    assert.deepEqual(resolveRetention("2h", "1d", "k"), { ageMs: 7_200_000, count: null });
    assert.deepEqual(resolveRetention({ count: 100 }, "1d", "k"), { ageMs: null, count: 100 });
    assert.deepEqual(resolveRetention({ age: "1m", count: 5 }, "1d", "k"), {
      ageMs: 60_000,
      count: 5,
    });
  });

  it("zero, as an age or a count, removes jobs as they finish", () => {
    assert.equal(removeOnFinish(resolveRetention(0, "1d", "k")), true);
    assert.equal(removeOnFinish(resolveRetention({ count: 0 }, "1d", "k")), true);
    assert.equal(removeOnFinish(resolveRetention("1s", "1d", "k")), false);
  });

  it("prunes jobs finished before now minus the age, and none by age without one", () => {
    assert.equal(pruneBefore({ ageMs: 1000, count: null }, 5000), 4000);
    assert.equal(pruneBefore({ ageMs: null, count: 3 }, 5000), null);
  });

  it("refuses empty objects, negative or fractional counts and bad ages", () => {
    assert.throws(
      () => resolveRetention({}, "1d", "keepDead"),
      /keepDead needs an age, a count or both/,
    );
    assert.throws(() => resolveRetention({ count: -1 }, "1d", "k"), ConfigError);
    assert.throws(() => resolveRetention({ count: 1.5 }, "1d", "k"), ConfigError);
    assert.throws(() => resolveRetention("forever", "1d", "k"), ConfigError);
  });
});
