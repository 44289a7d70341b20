/*
 * The short form of every chaos scenario on one store, for `npm run test:chaos`. Each
 * test asserts the outcomes (lost, dead, duplicates and their causes, fencing) and
 * prints the figures, timings included, which are measured, never asserted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { clockSkew } from "./scenarios/clock-skew.ts";
import { fencing } from "./scenarios/fencing.ts";
import { noFaults } from "./scenarios/no-faults.ts";
import { poisonJobs } from "./scenarios/poison.ts";
import type { ScenarioReport } from "./scenarios/report.ts";
import { storeCrashes } from "./scenarios/store-crashes.ts";
import { workerCrashes } from "./scenarios/worker-crashes.ts";
import { SHORT } from "./sizes.ts";
import type { StoreKind } from "./targets.ts";

function check(report: ScenarioReport): void {
  console.log(`chaos ${report.store} ${report.scenario}: ${JSON.stringify(report)}`);
  assert.deepEqual(report.failures, [], `${report.scenario} on ${report.store}`);
}

export function chaosSuite(kind: StoreKind): void {
  describe(`chaos (${kind}), short form`, { timeout: 180_000 }, () => {
    it("1 worker crashes: none lost or dead, every duplicate traced to a killed worker", async () =>
      check(await workerCrashes(kind, SHORT.workerCrashes)));
    it("2 no faults: no job runs twice", async () => check(await noFaults(kind, SHORT.noFaults)));
    it("3 store crashes: no acknowledged enqueue lost, workers resume", async () =>
      check(await storeCrashes(kind, SHORT.storeCrashes)));
    it("4 lease fencing: a thawed worker's settles are refused; rescue never reverts a completion", async () =>
      check(await fencing(kind, SHORT.fencing)));
    it("5 poison jobs: exactly `attempts` tries then dead; a self-killer dead after maxStalls", async () =>
      check(await poisonJobs(kind, SHORT.poison)));
    it("7 clock skew: no early start, no stolen lease", async () =>
      check(await clockSkew(kind, SHORT.clockSkew)));
  });
}
