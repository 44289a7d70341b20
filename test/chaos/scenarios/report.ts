import type { Classification, DuplicateCause } from "../classify.ts";
import type { StoreKind } from "../targets.ts";

/** One scenario's figures on one store, as the table in docs/reliability.md shows them. */
export interface ScenarioReport {
  scenario: string;
  store: StoreKind;
  jobs: number;
  faults: string;
  lost: number;
  duplicates: number;
  causes: Partial<Record<DuplicateCause, number>>;
  dead: number;
  /** Expected dead (poison jobs), counted in `dead`. */
  expectedDead: number;
  recovery: string;
  seconds: number;
  /** Checks that failed; empty when the scenario passed. */
  failures: string[];
  notes: string[];
}

export function causesOf(c: Classification): Partial<Record<DuplicateCause, number>> {
  return Object.fromEntries(Object.entries(c.causes).filter(([, n]) => n > 0));
}

export function ms(value: number | null): string {
  return value === null
    ? "-"
    : value >= 10_000
      ? `${(value / 1000).toFixed(1)} s`
      : `${Math.round(value)} ms`;
}
