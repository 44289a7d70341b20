/**
 * The model-based property test of one store: random command sequences (commands.ts)
 * run against the store and the model (model.ts), compared after every step.
 *
 * ERRAND_PROPERTY_RUNS sets the number of sequences (default 25, a few seconds per store;
 * the full suite uses 1000). ERRAND_PROPERTY_SEED replays a failure's seed. Differences
 * by design are listed in deviations.ts; any other difference fails the run.
 */
import { test } from "node:test";

import fc from "fast-check";

import type { Store } from "../../src/stores/contract.ts";
import { TestClock } from "../../src/testing/test-clock.ts";
import type { StoreHarness } from "../harness/store-harness.ts";
import { commands } from "./commands.ts";
import { runCommands } from "./run-commands.ts";

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer`);
  return value;
}

export function runProperty(harness: StoreHarness): void {
  const runs = positiveInt("ERRAND_PROPERTY_RUNS", 25);
  const seed = process.env.ERRAND_PROPERTY_SEED;
  test(`model-based property test on ${harness.name} (${runs} runs)`, async () => {
    const target = await harness.prepare();
    // Two connections, like two worker processes; runs share them and clean up after
    // themselves, so a run costs no migration.
    const stores: [Store, Store] = [target.open(), target.open()];
    // One clock for every run that only moves forward, so no run sees a lease of an
    // earlier run as live.
    const clock = new TestClock(Date.UTC(2030, 0, 1));
    try {
      await stores[0].migrate();
      await fc.assert(
        fc.asyncProperty(commands, (cmds) => runCommands(stores, clock, cmds)),
        {
          numRuns: runs,
          ...(seed === undefined ? {} : { seed: Number(seed) }),
          includeErrorInReport: true,
        },
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await target.cleanup();
    }
  });
}
