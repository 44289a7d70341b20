/**
 * Saves what a run measured, so the tables and docs can be written again from it
 * (`--report=FILE`) without measuring again, e.g. after changing the report's layout.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import { loadSystem } from "./adapters/index.ts";
import type { ScenarioId, Sizes } from "./config.ts";
import type { MachineInfo } from "./machine.ts";
import type { BenchResults } from "./results.ts";
import type { Measurement } from "./scenarios.ts";

/** Where every run leaves its measurements (ignored by git). */
export const LAST_RUN = new URL("./.results/last-run.json", import.meta.url);

/** Where a full run that wrote docs/ also leaves them, so smoke runs do not replace them. */
export const FULL_RUN = new URL("./.results/full-run.json", import.meta.url);

interface Saved {
  systems: string[];
  unavailable: [string, string][];
  runs: [string, [ScenarioId, Measurement[]][]][];
  failures: BenchResults["failures"];
  rounds: number;
  machine: MachineInfo | null;
  sizes: Sizes;
  write: boolean;
}

export function saveResults(
  results: BenchResults,
  machine: MachineInfo | null,
  sizes: Sizes,
  write: boolean,
): void {
  const saved: Saved = {
    systems: results.systems.map((s) => s.id),
    unavailable: [...results.unavailable],
    runs: [...results.runs].map(([id, byScenario]) => [id, [...byScenario]]),
    failures: results.failures,
    rounds: results.rounds,
    machine,
    sizes,
    write,
  };
  mkdirSync(dirname(LAST_RUN.pathname), { recursive: true });
  writeFileSync(LAST_RUN, JSON.stringify(saved));
  if (write) writeFileSync(FULL_RUN, JSON.stringify(saved));
}

export async function loadResults(
  path: string,
): Promise<{ results: BenchResults; machine: MachineInfo | null; sizes: Sizes; write: boolean }> {
  const saved = JSON.parse(readFileSync(path, "utf8")) as Saved;
  return {
    results: {
      systems: await Promise.all(saved.systems.map((id) => loadSystem(id))),
      unavailable: new Map(saved.unavailable),
      runs: new Map(saved.runs.map(([id, byScenario]) => [id, new Map(byScenario)])),
      failures: saved.failures,
      rounds: saved.rounds,
    },
    machine: saved.machine,
    sizes: saved.sizes,
    write: saved.write,
  };
}
