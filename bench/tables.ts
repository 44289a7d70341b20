/** The results as tables: one per server, a CPU table, and the targets. */
import type { BenchSystem, ServerKind } from "./adapters/types.ts";
import type { ScenarioId } from "./config.ts";
import {
  type BenchResults,
  cpuSpread,
  formatRatio,
  isPartial,
  type Metric,
  METRICS,
  metricSpread,
  ratioToBestPeer,
} from "./results.ts";
import type { Spread } from "./stats.ts";

export type Table = { title: string; header: string[]; rows: string[][]; notes: string[] };

export const SERVERS: { kind: ServerKind; title: string }[] = [
  {
    kind: "sqlite",
    title: "SQLite (embedded; no peer of its own: ratios against the best peer on any server)",
  },
  { kind: "postgres", title: "PostgreSQL" },
  { kind: "redis", title: "Redis" },
];

/** A number at three significant figures, with `k` for thousands. */
export function formatValue(value: number, unit: Metric["unit"]): string {
  if (!Number.isFinite(value)) return "—";
  if (unit === "jobs/s") {
    if (value >= 100_000) return `${Math.round(value / 1000)}k`;
    if (value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
    if (value >= 1_000) return `${(value / 1000).toFixed(2)}k`;
    return value.toFixed(0);
  }
  if (unit === "MB") return value.toFixed(0);
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function formatSpread(s: Spread | null, unit: Metric["unit"]): string {
  if (!s) return "—";
  const median = formatValue(s.median, unit);
  return s.n > 1 ? `${median} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)})` : median;
}

function measured(results: BenchResults, server: ServerKind): BenchSystem[] {
  return results.systems.filter((s) => s.server === server && results.runs.has(s.id));
}

function unavailableNotes(results: BenchResults, server: ServerKind): string[] {
  const byReason = new Map<string, string[]>();
  for (const s of results.systems.filter((x) => x.server === server)) {
    const reason = results.unavailable.get(s.id);
    if (reason !== undefined) byReason.set(reason, [...(byReason.get(reason) ?? []), s.label]);
  }
  return [...byReason].map(
    ([reason, labels]) => `Not measured: ${labels.join(", ")}: unavailable: ${reason}`,
  );
}

/** The results of one server: a column per system, and Errand's ratio to the best peer. */
export function serverTable(
  results: BenchResults,
  server: ServerKind,
  title: string,
): Table | null {
  const systems = measured(results, server);
  const notes = unavailableNotes(results, server);
  if (systems.length === 0) return notes.length > 0 ? { title, header: [], rows: [], notes } : null;
  const errands = systems.filter((s) => s.errand);
  const header = [
    "metric",
    ...systems.map((s) => s.label),
    ...errands.map((s) => `${s.label}: × best peer`),
  ];
  let partial = false;
  const cell = (s: BenchSystem, metric: Metric) => {
    const text = formatSpread(metricSpread(results, s.id, metric), metric.unit);
    if (!isPartial(results, s.id, metric)) return text;
    partial = true;
    return `${text} †`;
  };
  const rows = METRICS.filter((m) => systems.some((s) => metricSpread(results, s.id, m))).map(
    (metric) => [
      `${metric.label} (${metric.unit})`,
      ...systems.map((s) => cell(s, metric)),
      ...errands.map((s) => {
        const ratio = ratioToBestPeer(results, s, metric);
        return ratio ? `${formatRatio(ratio.value)}× ${ratio.peer.label}` : "—";
      }),
    ],
  );
  if (partial) notes.unshift(PARTIAL_NOTE);
  return { title, header, rows, notes };
}

const PARTIAL_NOTE =
  "† At least one round stopped at its time limit (see Method) before all its jobs were done: " +
  "the rate is over the jobs done in that time.";

/** Node and server CPU seconds per run (medians). */
export function cpuTable(results: BenchResults, scenarios: readonly ScenarioId[]): Table {
  const systems = results.systems.filter((s) => results.runs.has(s.id));
  const rows = scenarios.map((scenario) => [
    scenario,
    ...systems.map((s) => {
      const { node, server } = cpuSpread(results, s.id, scenario);
      if (!node) return "—";
      return server
        ? `${node.median.toFixed(2)} / ${server.median.toFixed(2)}`
        : `${node.median.toFixed(2)} / –`;
    }),
  ]);
  return {
    title: "CPU seconds per run, Node / server (medians)",
    header: ["scenario", ...systems.map((s) => s.label)],
    rows,
    notes: [
      "Node: the producer process plus the worker process over the timed window. Server: PostgreSQL backends from /proc, or Redis INFO used_cpu_user + used_cpu_sys; SQLite runs inside Node.",
    ],
  };
}

interface Goal {
  text: string;
  system: string;
  metric: string;
  /** A peer id and the factor to reach, or an absolute ceiling in ms. */
  peer?: string;
  factor?: number;
  maxMs?: number;
}

/** The targets of issue 6, checked against this run. */
const GOALS: Goal[] = [
  {
    text: "Redis, backlog c=50 ≥ 3× BullMQ",
    system: "errand-redis",
    metric: "backlog-c50",
    peer: "bullmq",
    factor: 3,
  },
  {
    text: "Redis, backlog c=1 ≥ 3× BullMQ",
    system: "errand-redis",
    metric: "backlog-c1",
    peer: "bullmq",
    factor: 3,
  },
  {
    text: "Redis, bulk enqueue ≥ bee-queue",
    system: "errand-redis",
    metric: "enqueue-bulk",
    peer: "bee-queue",
    factor: 1,
  },
  {
    text: "Redis, single enqueue ≥ 1.5× BullMQ",
    system: "errand-redis",
    metric: "enqueue-single",
    peer: "bullmq",
    factor: 1.5,
  },
  {
    text: "PostgreSQL, backlog c=1, keepCompleted 0 ≥ 1.5× graphile-worker",
    system: "errand-postgres-k0",
    metric: "backlog-c1",
    peer: "graphile-worker",
    factor: 1.5,
  },
  {
    text: "PostgreSQL, backlog c=50, keepCompleted 0 ≥ 1.5× graphile-worker",
    system: "errand-postgres-k0",
    metric: "backlog-c50",
    peer: "graphile-worker",
    factor: 1.5,
  },
  {
    text: "PostgreSQL, backlog c=1, keeping jobs ≥ 1× graphile-worker",
    system: "errand-postgres",
    metric: "backlog-c1",
    peer: "graphile-worker",
    factor: 1,
  },
  {
    text: "PostgreSQL, backlog c=50, keeping jobs ≥ 1× graphile-worker",
    system: "errand-postgres",
    metric: "backlog-c50",
    peer: "graphile-worker",
    factor: 1,
  },
  {
    text: "PostgreSQL, bulk enqueue ≥ graphile-worker",
    system: "errand-postgres",
    metric: "enqueue-bulk",
    peer: "graphile-worker",
    factor: 1,
  },
  {
    text: "PostgreSQL, bulk enqueue ≥ pg-boss",
    system: "errand-postgres",
    metric: "enqueue-bulk",
    peer: "pg-boss",
    factor: 1,
  },
  {
    text: "PostgreSQL, single enqueue ≥ 1.5× pg-boss",
    system: "errand-postgres",
    metric: "enqueue-single",
    peer: "pg-boss",
    factor: 1.5,
  },
  {
    text: "SQLite, backlog c=50 ≥ 2× BullMQ (on Redis)",
    system: "errand-sqlite",
    metric: "backlog-c50",
    peer: "bullmq",
    factor: 2,
  },
  {
    text: "SQLite, pickup p99 at 200/s ≤ 1.5 ms",
    system: "errand-sqlite",
    metric: "latency-p99",
    maxMs: 1.5,
  },
  {
    text: "PostgreSQL, pickup p99 at 200/s ≤ 3 ms",
    system: "errand-postgres",
    metric: "latency-p99",
    maxMs: 3,
  },
  {
    text: "Redis, pickup p99 at 200/s ≤ 1.5 ms",
    system: "errand-redis",
    metric: "latency-p99",
    maxMs: 1.5,
  },
];

function goalRow(results: BenchResults, goal: Goal): string[] {
  const metric = METRICS.find((m) => m.id === goal.metric) as Metric;
  const own = metricSpread(results, goal.system, metric);
  if (!own) return [goal.text, "not measured", "—"];
  if (goal.maxMs !== undefined) {
    const met = own.median <= goal.maxMs;
    return [goal.text, `${formatValue(own.median, "ms")} ms`, met ? "met" : "**not met**"];
  }
  const theirs = metricSpread(results, goal.peer as string, metric);
  const peer = results.systems.find((s) => s.id === goal.peer);
  if (!theirs || !peer) return [goal.text, "peer not measured", "—"];
  const ratio = own.median / theirs.median;
  const detail = `${formatRatio(ratio)}× (${formatValue(own.median, metric.unit)} vs ${formatValue(theirs.median, metric.unit)})`;
  return [goal.text, detail, ratio >= (goal.factor as number) ? "met" : "**not met**"];
}

export function goalsTable(results: BenchResults): Table {
  return {
    title: "Targets of issue 6",
    header: ["target", "this run (Errand ÷ peer, medians)", ""],
    rows: GOALS.map((goal) => goalRow(results, goal)),
    notes: [],
  };
}

/** A table as Markdown, columns padded so it also reads well in a terminal. */
export function renderTable(table: Table): string {
  const lines = [`### ${table.title}`, ""];
  if (table.header.length > 0) {
    const widths = table.header.map((h, i) =>
      Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)),
    );
    const line = (cells: string[]) =>
      `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
    lines.push(line(table.header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const row of table.rows) lines.push(line(row));
    lines.push("");
  }
  for (const note of table.notes) lines.push(note, "");
  return lines.join("\n");
}
