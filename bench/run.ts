/**
 * `npm run bench`: every system through every scenario, round after round, then the
 * tables (and, for a full run, docs/benchmarks.md with its chart).
 *
 *   --quick            smoke run: tiny sizes, one round, four of the six scenarios (every
 *                      code path once), writes nothing; exits 1 if any available system
 *                      fails (npm test runs it)
 *   --rounds=N         rounds of a full run (default 3)
 *   --only=a,b         only these systems (ids as in the table, e.g. errand-sqlite,bullmq)
 *   --scenarios=a,b    only these scenarios (enqueue-single, enqueue-bulk, backlog-c1,
 *                      backlog-c50, latency, latency-4k)
 *   --no-write         print only, leave docs/ alone
 *   --backlog=N        jobs in the backlog of scenario 3 (default 20,000), e.g. for profiling
 *   --profile=DIR      run worker processes under `node --cpu-prof`, profiles in DIR
 *   --report=FILE      measure nothing: print (and, if FILE was a full run, write docs/)
 *                      from a saved run. Every run saves bench/.results/last-run.json; a
 *                      full run also bench/.results/full-run.json
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { loadSystem, SYSTEM_LOADERS, VARIANTS } from "./adapters/index.ts";
import type { BenchSystem } from "./adapters/types.ts";
import { FULL, QUICK, QUICK_SCENARIOS, type ScenarioId, SCENARIOS, type Sizes } from "./config.ts";
import { describeMachine } from "./machine.ts";
import { printTables, writeDocs } from "./report.ts";
import type { BenchResults } from "./results.ts";
import { loadResults, saveResults } from "./results-file.ts";
import { interruption, type Measurement, runScenario } from "./scenarios.ts";
import { checkPostgres, checkRedis } from "./server-admin.ts";
import {
  dropSpareWorker,
  startWorkersAhead,
  stopAllWorkers,
  workerFlags,
} from "./worker-process.ts";

function parse() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      only: { type: "string" },
      scenarios: { type: "string" },
      "no-write": { type: "boolean", default: false },
      profile: { type: "string" },
      backlog: { type: "string" },
      report: { type: "string" },
    },
  });
  const sizes: Sizes = values.quick ? { ...QUICK } : { ...FULL };
  if (values.rounds !== undefined) sizes.rounds = Math.max(1, Number(values.rounds) || 1);
  if (values.backlog !== undefined) sizes.backlog = Math.max(1, Number(values.backlog) || 1);
  const scenarios = (values.scenarios?.split(",") ??
    (values.quick ? [...QUICK_SCENARIOS] : [...SCENARIOS])) as ScenarioId[];
  for (const s of scenarios) {
    if (!SCENARIOS.includes(s))
      throw new Error(`unknown scenario "${s}"; known: ${SCENARIOS.join(", ")}`);
  }
  // The smoke run leaves out variants (same adapter, other settings) unless asked for.
  const only =
    values.only?.split(",") ??
    [...SYSTEM_LOADERS.keys()].filter((id) => !(values.quick && VARIANTS.has(id)));
  // A partial run is not a benchmark report: only a run of everything, with full sizes and
  // at least three rounds, writes docs/.
  const partial =
    values.only !== undefined ||
    values.scenarios !== undefined ||
    values.backlog !== undefined ||
    sizes.rounds < 3;
  const write = !values.quick && !values["no-write"] && !partial && values.profile === undefined;
  return {
    quick: values.quick,
    sizes,
    scenarios,
    only,
    write,
    profile: values.profile,
    report: values.report,
  };
}

/** Which systems can run here; the others get a reason. */
async function availability(systems: BenchSystem[]): Promise<Map<string, string>> {
  const unavailable = new Map<string, string>();
  const serverDown = new Map<string, string | null>();
  const check = async (server: string, fn: () => Promise<void>) => {
    if (!serverDown.has(server))
      serverDown.set(
        server,
        await fn().then(
          () => null,
          (e: Error) => e.message,
        ),
      );
    return serverDown.get(server) ?? null;
  };
  for (const system of systems) {
    const down =
      system.server === "postgres"
        ? await check("postgres", checkPostgres)
        : system.server === "redis"
          ? await check("redis", checkRedis)
          : null;
    if (down) {
      unavailable.set(system.id, down);
      continue;
    }
    try {
      await system.probe();
    } catch (error) {
      unavailable.set(system.id, (error as Error).message);
    }
  }
  return unavailable;
}

function describe(m: Measurement): string {
  const cpu = `node ${m.nodeCpu.toFixed(2)} s${m.serverCpu === null ? "" : `, server ${m.serverCpu.toFixed(2)} s`}`;
  if (m.latency) {
    const { p50, p95, p99, max } = m.latency;
    const ms = (v: number) => v.toFixed(2);
    return `p50 ${ms(p50)} p95 ${ms(p95)} p99 ${ms(p99)} max ${ms(max)} ms (${cpu})`;
  }
  const rss = m.rss === undefined ? "" : `, worker RSS ${(m.rss / 2 ** 20).toFixed(0)} MB`;
  const partial = m.partial ? ` (stopped at the time limit after ${m.jobs} jobs)` : "";
  return `${Math.round(m.jobs / m.seconds)} jobs/s over ${m.seconds.toFixed(2)} s${partial} (${cpu}${rss})`;
}

async function runAll(results: BenchResults, scenarios: ScenarioId[], sizes: Sizes): Promise<void> {
  const runnable = results.systems.filter((s) => !results.unavailable.has(s.id));
  for (let round = 1; round <= sizes.rounds; round++) {
    for (const scenario of scenarios) {
      // Rotate the order each round so no system always runs first after a pause.
      const order = runnable.map(
        (_, i) => runnable[(i + round - 1) % runnable.length] as BenchSystem,
      );
      for (const system of order) {
        if (interruption.requested) return;
        if (system.scenarios && !system.scenarios.includes(scenario)) continue;
        const tag = `round ${round}/${sizes.rounds}  ${scenario.padEnd(14)} ${system.id.padEnd(18)}`;
        const began = Date.now();
        const took = () =>
          `[${((Date.now() - began) / 1000).toFixed(1)} s, load ${loadavg()[0]?.toFixed(1)}]`;
        try {
          const measurement = await runScenario(system, scenario, sizes);
          const bySystem = results.runs.get(system.id) ?? new Map<ScenarioId, Measurement[]>();
          results.runs.set(system.id, bySystem);
          bySystem.set(scenario, [...(bySystem.get(scenario) ?? []), measurement]);
          console.log(`${tag} ${describe(measurement)} ${took()}`);
        } catch (error) {
          const message = (error as Error).message.split("\n")[0] ?? String(error);
          results.failures.push({ system: system.id, scenario, round, message });
          console.log(`${tag} FAILED: ${message} ${took()}`);
        }
      }
    }
  }
}

/**
 * Ctrl-C ends the worker processes, which makes the run in progress fail at once and
 * remove its namespace as usual; no further run starts. A second Ctrl-C exits at once.
 */
function stopOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interruption.requested) process.exit(130);
      interruption.requested = true;
      console.error(`\n${signal}: stopping after cleaning up the run in progress`);
      void stopAllWorkers();
    });
  }
}

async function reportOnly(path: string): Promise<number> {
  const { results, machine, sizes, write } = await loadResults(path);
  printTables(results);
  if (write && machine) console.log(`\nwrote ${writeDocs(results, machine, sizes).join(", ")}`);
  return 0;
}

async function main(): Promise<number> {
  const options = parse();
  if (options.report !== undefined) return reportOnly(options.report);
  stopOnSignals();
  if (options.profile !== undefined) {
    const dir = resolve(options.profile);
    mkdirSync(dir, { recursive: true });
    workerFlags.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const systems = await Promise.all(options.only.map((id) => loadSystem(id)));
  const results: BenchResults = {
    systems,
    unavailable: await availability(systems),
    runs: new Map(),
    failures: [],
    rounds: options.sizes.rounds,
  };
  for (const [id, reason] of results.unavailable) console.log(`${id}: unavailable: ${reason}`);
  // Described before the runs, so the load average is the machine's, not the bench's.
  const machine = options.write ? await describeMachine(systems) : null;
  const started = Date.now();
  startWorkersAhead(options.quick);
  await runAll(results, options.scenarios, options.sizes);
  await dropSpareWorker();
  console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  saveResults(results, machine, options.sizes, options.write);
  printTables(results);
  // An interrupted run is incomplete: it prints what it has but leaves docs/ alone.
  if (machine && !interruption.requested) {
    const written = writeDocs(results, machine, options.sizes);
    console.log(`\nwrote ${written.join(", ")}`);
  }
  if (interruption.requested) return 130;
  if (results.failures.length > 0) {
    console.error(`\n${results.failures.length} run(s) failed:`);
    for (const f of results.failures)
      console.error(`  ${f.system} ${f.scenario} round ${f.round}: ${f.message}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
