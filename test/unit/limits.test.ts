import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError } from "../../src/errors.ts";
import { claimLimits, resolveTaskLimits } from "../../src/policy/limits.ts";
import { resolveTaskOptions } from "../../src/task-options.ts";

describe("task flow-control options", () => {
  it("a task without limits carries none", () => {
    assert.equal(resolveTaskLimits({}, "Task t"), null);
    assert.equal(resolveTaskOptions({ name: "t" }).limits, null);
  });

  it("limits are converted to what claims carry", () => {
    const limits = resolveTaskOptions({
      name: "t",
      concurrency: 2,
      rateLimit: { max: 100, per: "1m" },
      groupConcurrency: 1,
      groupRateLimit: { max: 10, per: 1000 },
      groupWeights: { vip: 3 },
    }).limits;
    assert.deepEqual(limits, {
      concurrency: 2,
      rate: { max: 100, perMs: 60_000 },
      groupConcurrency: 1,
      groupRate: { max: 10, perMs: 1000 },
      groupWeights: { vip: 3 },
    });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      "a concurrency of zero",
      { concurrency: 0 },
      /concurrency must be a whole number of 1 or more/,
    ],
    ["a fractional concurrency", { concurrency: 1.5 }, /concurrency/],
    ["a rate limit without per", { rateLimit: { max: 5 } }, /rateLimit: per is required/],
    ["a rate limit with max 0", { rateLimit: { max: 0, per: "1s" } }, /rateLimit\.max/],
    ["a rate limit with a zero window", { rateLimit: { max: 1, per: 0 } }, /rateLimit\.per/],
    ["a rate limit with a bad window", { rateLimit: { max: 1, per: "soon" } }, /rateLimit\.per/],
    [
      "a rate limit with an unknown key",
      { rateLimit: { max: 1, per: "1s", burst: 2 } },
      /unknown option "burst"/,
    ],
    [
      "a rate limit that is not an object",
      { groupRateLimit: 5 },
      /groupRateLimit must be an object/,
    ],
    ["a negative group concurrency", { groupConcurrency: -1 }, /groupConcurrency/],
    ["a weight of zero", { groupWeights: { a: 0 } }, /groupWeights\["a"\]/],
    ["weights given as an array", { groupWeights: [1, 2] }, /groupWeights must be an object/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with a ConfigError`, () => {
      assert.throws(
        () => resolveTaskOptions({ name: "t", ...options }),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it("claims carry only the tasks that have limits", () => {
    const tasks = [
      resolveTaskOptions({ name: "plain" }),
      resolveTaskOptions({ name: "limited", concurrency: 1 }),
      resolveTaskOptions({ name: "weighted", groupWeights: { a: 2 } }),
    ];
    assert.deepEqual(claimLimits(tasks), {
      limited: { concurrency: 1 },
      weighted: { groupWeights: { a: 2 } },
    });
    assert.equal(claimLimits([tasks[0]!]), null);
  });
});
