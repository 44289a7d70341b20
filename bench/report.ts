/** Prints the tables, and writes docs/benchmarks.md with its chart after a full run. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { renderChart } from "./chart.ts";
import { SCENARIOS, type Sizes } from "./config.ts";
import type { MachineInfo } from "./machine.ts";
import type { BenchResults } from "./results.ts";
import { spread } from "./stats.ts";
import { cpuTable, goalsTable, renderTable, SERVERS, serverTable, type Table } from "./tables.ts";

const DOC = new URL("../docs/benchmarks.md", import.meta.url);
const SVG = new URL("../docs/benchmarks.svg", import.meta.url);
const NOTES = new URL("./notes.md", import.meta.url);

function tables(results: BenchResults): Table[] {
  const perServer = SERVERS.flatMap(({ kind, title }) => serverTable(results, kind, title) ?? []);
  return [goalsTable(results), ...perServer, cpuTable(results, SCENARIOS)];
}

export function printTables(results: BenchResults): void {
  console.log(
    `Medians over ${results.rounds} round(s), (min–max) when more than one. ` +
      "Ratios: Errand ÷ best peer for throughput, best peer ÷ Errand for latency and memory, so above 1× is Errand ahead.\n",
  );
  for (const table of tables(results)) console.log(renderTable(table));
}

function method(sizes: Sizes): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return `## Method

Every system gets a fresh namespace for every run (Errand on SQLite: a new file in a
temporary directory; PostgreSQL systems: a new schema in database \`test\`, dropped after;
Redis systems: a new key prefix, deleted after), so no run sees another's data. Rounds
run every scenario for every system before the next round starts, and the order of the
systems rotates between rounds, so slow drift on the shared machine spreads over all of
them. The tables give the median of ${sizes.rounds} rounds with the minimum and maximum.

1. **Enqueue one at a time**: ${n(sizes.single)} jobs, each \`enqueue\` awaited before the
   next (after 10 untimed warm-up enqueues), or as many as fit in ${sizes.singleMaxSeconds} s (marked †):
   a PostgreSQL commit waits for a WAL flush, which takes about 2 ms on this disk, so
   20,000 one-by-one commits would take minutes. Throughput = jobs ÷ elapsed time.
2. **Enqueue in batches**: ${n(sizes.bulk)} jobs in batches of ${n(sizes.batch)}, each batch one
   call of the system's batch API, awaited.
3. **Process a backlog**: ${n(sizes.backlog)} no-op jobs are enqueued first (untimed), then one
   worker process with concurrency 1 or 50 drains them. The clock runs from the first
   handler start to the moment the store shows no waiting or active job, so the last
   completions are committed, not just handled; worker start-up is outside the window.
   A run still going after ${sizes.backlogMaxSeconds} s reports the rate of the jobs handled by then (marked †).
4. **Pickup latency**: one worker process (concurrency ${sizes.latencyConcurrency}) is idle and warmed
   (${sizes.warmup} untimed jobs); the producer then enqueues ${sizes.rate} jobs/s for ${sizes.seconds} s on a fixed
   schedule without waiting for earlier enqueues (open loop). Each job carries the time its
   \`enqueue\` was called; latency = handler start − that time, so it includes the enqueue
   round trip and commit. Both processes read the same wall clock
   (\`performance.timeOrigin + performance.now()\`).
5. **The same with ${n(sizes.largePayload)}-byte payloads**.
6. **Worker RSS**: the worker process's resident set size right after scenario 3. Worker
   processes load TypeScript through \`tsx\`, which adds the same few MB to every system.

The producer runs in the harness process and every worker in a child process of its
own, so the two never share an event loop (as in production, where the app enqueues and a
worker process runs jobs). **CPU**: Node = \`process.cpuUsage()\` of the producer plus the
worker process over the timed window; server = the summed user + system time of all
\`postgres\` processes from \`/proc/<pid>/stat\` (backends that start during the run count
from zero), or Redis \`INFO cpu\` \`used_cpu_user + used_cpu_sys\`. SQLite runs inside Node.
Other work on the machine (other test suites use the same servers) shows up in server CPU
and in the spread; compare systems within one run, and read ratios rather than absolute
figures. No test asserts any timing: \`npm test\` only runs \`npm run bench -- --quick\`, a
smoke run with tiny sizes that fails if an available system fails.
`;
}

function loadDuringRuns(results: BenchResults): string {
  const loads = [...results.runs.values()].flatMap((byScenario) =>
    [...byScenario.values()].flatMap((runs) =>
      runs.flatMap((m) => (m.load === undefined ? [] : [m.load])),
    ),
  );
  const s = spread(loads);
  return s
    ? `median ${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`
    : "not recorded";
}

function machineSection(machine: MachineInfo, results: BenchResults): string {
  // Errand's stores share their settings: one line per distinct setting, not per store.
  const lines = new Map<string, string[]>();
  for (const s of results.systems) {
    const key = `${s.errand ? "Errand" : s.label} ${s.version()}: ${s.settings}`;
    lines.set(key, [...(lines.get(key) ?? []), s.label]);
  }
  const settings = [...lines].map(([key, labels]) => {
    const [name, ...rest] = key.split(" ");
    const who = labels.length > 1 || labels[0] !== name ? `${labels.join(", ")}` : name;
    return `- **${who}** ${rest.join(" ")}`;
  });
  return `## Machine and versions

- Date: ${machine.date}; Errand commit ${machine.commit}
- CPU: ${machine.cpus} cores (\`nproc\`), ${machine.cpuModel}; memory ${machine.memoryGiB} GiB
- Load: 1/5/15-minute load average at the start ${machine.loadAverage}; 1-minute load average at the end of each run ${loadDuringRuns(results)}. Other test suites shared this machine and these servers during the run: figures above about ${machine.cpus} mean the runs competed for the CPU.
- Node ${machine.node}; PostgreSQL ${machine.postgres} (fsync and synchronous_commit on, defaults otherwise); Redis ${machine.redis} (no RDB or AOF persistence configured), all on this machine
- ${machine.versions.map((v) => `${v.label} ${v.version}`).join(", ")}

pg-boss 12 needs Node ≥ 22.12 (and 11 needs Node ≥ 22), graphile-worker 0.18 needs Node ≥ 22.18: on this
Node 20 machine the newest usable lines are pg-boss 10 and graphile-worker 0.17.

### Settings of each system

${settings.join("\n")}
`;
}

/** Writes docs/benchmarks.md and docs/benchmarks.svg; returns the files written. */
export function writeDocs(results: BenchResults, machine: MachineInfo, sizes: Sizes): string[] {
  const subtitle = `${machine.date}, ${machine.cpus} cores, Node ${machine.node}, medians of ${results.rounds} rounds`;
  writeFileSync(SVG, renderChart(results, subtitle));
  const notes = existsSync(NOTES) ? readFileSync(NOTES, "utf8").trim() : "";
  const failures = results.failures.map(
    (f) => `- ${f.system}, ${f.scenario}, round ${f.round}: ${f.message}`,
  );
  const doc = [
    "# Benchmarks",
    "",
    "<!-- Written by `npm run bench`. Edit bench/report.ts or bench/notes.md, not this file. -->",
    "",
    "![Errand throughput divided by the best peer on the same server](benchmarks.svg)",
    "",
    `Errand against BullMQ and bee-queue (Redis) and pg-boss and graphile-worker (PostgreSQL), measured ${machine.date} on one ${machine.cpus}-core machine with the servers on the same box. ` +
      "Medians of the rounds with (min–max). In the ratio columns above 1× means Errand is ahead: Errand ÷ best peer for throughput, best peer ÷ Errand for latency and memory. " +
      "Errand on SQLite has no embedded peer, so its ratios are against the best peer on any server.",
    "",
    "## Results",
    "",
    ...tables(results).map(renderTable),
    ...(failures.length > 0 ? ["### Failed runs", "", ...failures, ""] : []),
    notes,
    "",
    method(sizes),
    machineSection(machine, results),
  ].join("\n");
  writeFileSync(DOC, doc);
  return ["docs/benchmarks.md", "docs/benchmarks.svg"];
}
