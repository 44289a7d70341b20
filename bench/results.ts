/** What a whole bench run collected, and the metrics read from it. */
import type { BenchSystem, ServerKind } from "./adapters/types.ts";
import type { ScenarioId } from "./config.ts";
import type { Measurement } from "./scenarios.ts";
import { type Spread, spread } from "./stats.ts";

/** Everything one `npm run bench` found. */
export interface BenchResults {
  systems: BenchSystem[];
  /** Systems that could not run here, with the reason. */
  unavailable: Map<string, string>;
  /** Measurements by system id, then scenario, one per round. */
  runs: Map<string, Map<ScenarioId, Measurement[]>>;
  /** Failed runs: system id, scenario, round and the error message. */
  failures: { system: string; scenario: ScenarioId; round: number; message: string }[];
  rounds: number;
}

/** One row of the results table: a number read from the runs of one scenario. */
export interface Metric {
  id: string;
  label: string;
  scenario: ScenarioId;
  unit: "jobs/s" | "ms" | "MB";
  /** Whether a larger value is better (throughput) or worse (latency, memory). */
  higherIsBetter: boolean;
  read(m: Measurement): number | undefined;
}

const throughput = (m: Measurement) => m.jobs / m.seconds;

const latencyMetrics = (scenario: ScenarioId, what: string): Metric[] =>
  (["p50", "p95", "p99", "max"] as const).map((p) => ({
    id: `${scenario}-${p}`,
    label: `${what}: ${p}`,
    scenario,
    unit: "ms" as const,
    higherIsBetter: false,
    read: (m: Measurement) => m.latency?.[p],
  }));

/** The table rows, in order. */
export const METRICS: Metric[] = [
  {
    id: "enqueue-single",
    label: "(1) enqueue one at a time, awaited",
    scenario: "enqueue-single",
    unit: "jobs/s",
    higherIsBetter: true,
    read: throughput,
  },
  {
    id: "enqueue-bulk",
    label: "(2) enqueue in batches of 1,000",
    scenario: "enqueue-bulk",
    unit: "jobs/s",
    higherIsBetter: true,
    read: throughput,
  },
  {
    id: "backlog-c1",
    label: "(3) process backlog, concurrency 1",
    scenario: "backlog-c1",
    unit: "jobs/s",
    higherIsBetter: true,
    read: throughput,
  },
  {
    id: "backlog-c50",
    label: "(3) process backlog, concurrency 50",
    scenario: "backlog-c50",
    unit: "jobs/s",
    higherIsBetter: true,
    read: throughput,
  },
  ...latencyMetrics("latency", "(4) pickup latency at 200/s"),
  ...latencyMetrics("latency-4k", "(5) same, 4 KB payloads"),
  {
    id: "rss-c1",
    label: "(6) worker RSS after backlog, c=1",
    scenario: "backlog-c1",
    unit: "MB",
    higherIsBetter: false,
    read: (m) => (m.rss === undefined ? undefined : m.rss / 2 ** 20),
  },
  {
    id: "rss-c50",
    label: "(6) worker RSS after backlog, c=50",
    scenario: "backlog-c50",
    unit: "MB",
    higherIsBetter: false,
    read: (m) => (m.rss === undefined ? undefined : m.rss / 2 ** 20),
  },
];

/** The median and range of a metric over a system's rounds, or null when it has none. */
export function metricSpread(
  results: BenchResults,
  systemId: string,
  metric: Metric,
): Spread | null {
  const runs = results.runs.get(systemId)?.get(metric.scenario) ?? [];
  return spread(runs.map((m) => metric.read(m)).filter((v): v is number => v !== undefined));
}

/** True when any round of this metric stopped at its time limit before all its jobs were done. */
export function isPartial(results: BenchResults, systemId: string, metric: Metric): boolean {
  const runs = results.runs.get(systemId)?.get(metric.scenario) ?? [];
  return metric.unit === "jobs/s" && runs.some((m) => m.partial);
}

/** CPU seconds (Node, server) of a scenario over a system's rounds. */
export function cpuSpread(
  results: BenchResults,
  systemId: string,
  scenario: ScenarioId,
): { node: Spread | null; server: Spread | null } {
  const runs = results.runs.get(systemId)?.get(scenario) ?? [];
  return {
    node: spread(runs.map((m) => m.nodeCpu)),
    server: spread(runs.flatMap((m) => (m.serverCpu === null ? [] : [m.serverCpu]))),
  };
}

/** Errand's standing against the best peer: > 1 always means Errand is better. */
export interface Ratio {
  value: number;
  peer: BenchSystem;
  /** True when the peer runs on another server (SQLite has no peer of its own). */
  crossServer: boolean;
}

/** The peers an Errand system is compared with: those on its server, else every peer. */
export function peersOf(
  results: BenchResults,
  server: ServerKind,
): { peers: BenchSystem[]; crossServer: boolean } {
  const measured = results.systems.filter((s) => !s.errand && results.runs.has(s.id));
  const same = measured.filter((s) => s.server === server);
  return same.length > 0
    ? { peers: same, crossServer: false }
    : { peers: measured, crossServer: true };
}

export function ratioToBestPeer(
  results: BenchResults,
  system: BenchSystem,
  metric: Metric,
): Ratio | null {
  const own = metricSpread(results, system.id, metric);
  if (!own) return null;
  const { peers, crossServer } = peersOf(results, system.server);
  let best: { value: number; peer: BenchSystem } | null = null;
  for (const peer of peers) {
    const theirs = metricSpread(results, peer.id, metric);
    if (!theirs) continue;
    const better = metric.higherIsBetter
      ? theirs.median > (best?.value ?? -Infinity)
      : theirs.median < (best?.value ?? Infinity);
    if (better) best = { value: theirs.median, peer };
  }
  if (!best) return null;
  const value = metric.higherIsBetter ? own.median / best.value : best.value / own.median;
  return { value, peer: best.peer, crossServer };
}

/** A ratio with two decimals, or two significant digits when it is tiny. */
export function formatRatio(ratio: number): string {
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
}
