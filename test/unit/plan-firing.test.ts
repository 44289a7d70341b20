import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { firstRun, MISFIRE_GRACE_MS, NEVER, planFiring } from "../../src/schedule/plan-firing.ts";

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Fires a schedule step by step at the given instants, the way a worker would. */
function fireAt(
  schedule: { cron: string; tz: string; misfire: "runOnce" | "skip" },
  start: number,
  instants: number[],
): string[] {
  let nextRunAt = start;
  const fired: string[] = [];
  for (const now of instants) {
    while (nextRunAt <= now) {
      const plan = planFiring({ ...schedule, nextRunAt }, now);
      if (plan.enqueue) fired.push(iso(nextRunAt));
      nextRunAt = plan.nextRunAt;
    }
  }
  return fired;
}

describe("planFiring", () => {
  const hourly = { cron: "0 * * * *", tz: "UTC", misfire: "runOnce" as const };

  it("fires an occurrence on time and moves to the one after it", () => {
    const plan = planFiring(
      { ...hourly, nextRunAt: at("2026-01-01T10:00:00Z") },
      at("2026-01-01T10:00:00.300Z"),
    );
    assert.deepEqual(plan, { enqueue: true, nextRunAt: at("2026-01-01T11:00:00Z"), missed: false });
  });

  it("an occurrence up to the grace late still fires, and the next one is the following occurrence", () => {
    const due = at("2026-01-01T10:00:00Z");
    const plan = planFiring({ ...hourly, nextRunAt: due }, due + MISFIRE_GRACE_MS);
    assert.deepEqual(plan, { enqueue: true, nextRunAt: at("2026-01-01T11:00:00Z"), missed: false });
  });

  it("after a short pause every occurrence within the grace fires in turn", () => {
    const everySecond = { cron: "* * * * * *", tz: "UTC", misfire: "skip" as const };
    const start = at("2026-01-01T00:00:01Z");
    const fired = fireAt(everySecond, start, [at("2026-01-01T00:00:05.500Z")]);
    assert.deepEqual(
      fired,
      [1, 2, 3, 4, 5].map((s) => `2026-01-01T00:00:0${s}.000Z`),
    );
  });

  it("missed occurrences with runOnce enqueue one job, then the schedule continues on time", () => {
    const due = at("2026-01-01T10:00:00Z");
    const now = at("2026-01-01T13:20:00Z");
    const plan = planFiring({ ...hourly, nextRunAt: due }, now);
    assert.deepEqual(plan, { enqueue: true, nextRunAt: at("2026-01-01T14:00:00Z"), missed: true });
  });

  it("missed occurrences with skip enqueue nothing", () => {
    const plan = planFiring(
      { ...hourly, misfire: "skip", nextRunAt: at("2026-01-01T10:00:00Z") },
      at("2026-01-01T13:20:00Z"),
    );
    assert.deepEqual(plan, { enqueue: false, nextRunAt: at("2026-01-01T14:00:00Z"), missed: true });
  });

  it("an occurrence still within the grace after missed ones fires on its own", () => {
    const everyMinute = { cron: "* * * * *", tz: "UTC", misfire: "runOnce" as const };
    const start = at("2026-01-01T10:01:00Z");
    // At 10:05:00, 10:01-10:03 are more than a minute late; 10:04 and 10:05 are not.
    const fired = fireAt(everyMinute, start, [at("2026-01-01T10:05:00Z")]);
    assert.deepEqual(fired, [
      "2026-01-01T10:01:00.000Z",
      "2026-01-01T10:04:00.000Z",
      "2026-01-01T10:05:00.000Z",
    ]);
    const skipped = fireAt({ ...everyMinute, misfire: "skip" }, start, [
      at("2026-01-01T10:05:00Z"),
    ]);
    assert.deepEqual(skipped, ["2026-01-01T10:04:00.000Z", "2026-01-01T10:05:00.000Z"]);
  });

  it("a pattern with no further occurrence is parked at NEVER", () => {
    const plan = planFiring(
      { cron: "0 0 30 2 *", tz: "UTC", misfire: "runOnce", nextRunAt: 0 },
      10_000,
    );
    assert.deepEqual(plan, { enqueue: true, nextRunAt: NEVER, missed: false });
  });
});

describe("cron occurrences in Europe/Berlin around daylight saving, as croner documents them", () => {
  const days = (from: string, n: number): number[] =>
    Array.from({ length: n }, (_, i) => at(from) + i * 86_400_000);

  it("a fixed-time job in the spring-forward gap runs at the first valid time after it", () => {
    const nightly = { cron: "30 2 * * *", tz: "Europe/Berlin", misfire: "runOnce" as const };
    const start = firstRun(nightly.cron, nightly.tz, at("2026-03-27T12:00:00Z")) as number;
    const fired = fireAt(nightly, start, days("2026-03-28T12:00:00Z", 3));
    // 02:30 CET on the 28th, 03:00 CEST on the 29th (02:30 does not exist), 02:30 CEST after.
    assert.deepEqual(fired, [
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("a fixed-time job in the repeated fall-back hour runs once, at the first pass", () => {
    const nightly = { cron: "30 2 * * *", tz: "Europe/Berlin", misfire: "runOnce" as const };
    const start = firstRun(nightly.cron, nightly.tz, at("2026-10-24T12:00:00Z")) as number;
    const fired = fireAt(nightly, start, days("2026-10-25T12:00:00Z", 2));
    assert.deepEqual(fired, ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("an interval job skips the gap and runs on both passes of the repeated hour", () => {
    const quarters = (from: string): number[] =>
      Array.from({ length: 10 }, (_, i) => at(from) + i * 900_000);
    const hourly = { cron: "30 * * * *", tz: "Europe/Berlin", misfire: "runOnce" as const };
    const spring = firstRun(hourly.cron, hourly.tz, at("2026-03-28T23:45:00Z")) as number;
    assert.deepEqual(fireAt(hourly, spring, quarters("2026-03-29T00:00:00Z")), [
      "2026-03-29T00:30:00.000Z", // 01:30 CET
      "2026-03-29T01:30:00.000Z", // 03:30 CEST: 02:30 did not exist
    ]);
    const fall = firstRun(hourly.cron, hourly.tz, at("2026-10-24T23:45:00Z")) as number;
    assert.deepEqual(fireAt(hourly, fall, quarters("2026-10-25T00:00:00Z")), [
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T01:30:00.000Z", // 02:30 CET, the second pass
    ]);
  });

  it("the first run of a new schedule is strictly after now", () => {
    assert.equal(
      firstRun("0 * * * *", "UTC", at("2026-01-01T10:00:00Z")),
      at("2026-01-01T11:00:00Z"),
    );
    assert.equal(
      firstRun("*/10 * * * * *", "UTC", at("2026-01-01T10:00:05Z")),
      at("2026-01-01T10:00:10Z"),
    );
  });
});
