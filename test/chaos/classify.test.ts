import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { classify, type FinalState, recoveryTimes } from "./classify.ts";
import type { LedgerEntry } from "./ledger.ts";

const at = (t: number, w = "w1") => ({ p: 1, w, t });
const enq = (id: string): LedgerEntry => ({ e: "enq", id, ...at(0, "parent") });
const start = (id: string, tok: string, w: string, t: number): LedgerEntry => ({
  e: "start",
  id,
  tok,
  ...at(t, w),
});
const settle = (id: string, tok: string, w: string, t: number, ok = true): LedgerEntry => ({
  e: "settle",
  id,
  tok,
  kind: "complete",
  ok,
  ...at(t, w),
});
const kill = (w: string, t: number): LedgerEntry => ({
  e: "fault",
  kind: "kill",
  target: w,
  ...at(t, "parent"),
});
const states = (pairs: [string, FinalState][]) => new Map(pairs);

describe("chaos classifier", () => {
  it("traces a rerun to the worker killed while it ran the job", () => {
    const entries = [enq("a"), start("a", "t1", "w1", 10), kill("w1", 20)];
    entries.push(start("a", "t2", "w2", 2100), settle("a", "t2", "w2", 2110));
    const c = classify(entries, states([["a", "completed"]]));
    assert.equal(c.completedMore, 1);
    assert.deepEqual(c.causes.killed, 1);
    assert.deepEqual(recoveryTimes(entries), [2080]);
  });

  it("calls a rerun untraced when no fault explains it", () => {
    const entries = [enq("a"), start("a", "t1", "w1", 10), start("a", "t2", "w2", 20)];
    entries.push(settle("a", "t2", "w2", 30));
    const c = classify(entries, states([["a", "completed"]]));
    assert.equal(c.causes.untraced, 1);
  });

  it("counts a run whose settle was refused as a lost lease", () => {
    const entries = [enq("a"), start("a", "t1", "w1", 10), start("a", "t2", "w2", 20)];
    entries.push(settle("a", "t2", "w2", 30), settle("a", "t1", "w1", 40, false));
    assert.equal(classify(entries, states([["a", "completed"]])).causes["lease-lost"], 1);
  });

  it("lets the last run account for a completion the ledger missed (killed after commit)", () => {
    const entries = [enq("a"), start("a", "t1", "w1", 10), kill("w1", 20)];
    const c = classify(entries, states([["a", "completed"]]));
    assert.equal(c.completedOnce, 1);
    assert.equal(c.extraRuns.length, 0);
  });

  it("finds lost jobs, dead jobs and two applied completions", () => {
    const entries = [enq("a"), enq("b"), enq("c")];
    entries.push(start("c", "t1", "w1", 1), settle("c", "t1", "w1", 2));
    entries.push(start("c", "t2", "w2", 3), settle("c", "t2", "w2", 4));
    const c = classify(
      entries,
      states([
        ["b", "dead"],
        ["c", "completed"],
      ]),
    );
    assert.deepEqual(c.lost, ["a"]);
    assert.deepEqual(c.dead, ["b"]);
    assert.deepEqual(c.overwrites, ["c"]);
  });
});
