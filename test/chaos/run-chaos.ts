/*
 * `npm run chaos`: every scenario at full size on every store, then a table per store
 * in docs/reliability.md (between the generated-table markers; the prose around them is
 * kept). Flags: --short (the test sizes), --stores=sqlite,redis, --scenarios=1,3,
 * --jobs=N (scenario 1), --jobs2=N (scenario 2), --no-write.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { clockSkew } from "./scenarios/clock-skew.ts";
import { fencing } from "./scenarios/fencing.ts";
import { noFaults } from "./scenarios/no-faults.ts";
import { poisonJobs } from "./scenarios/poison.ts";
import type { ScenarioReport } from "./scenarios/report.ts";
import { storeCrashes } from "./scenarios/store-crashes.ts";
import { workerCrashes } from "./scenarios/worker-crashes.ts";
import { FULL, SHORT, type Sizes } from "./sizes.ts";
import { STORE_KINDS, type StoreKind } from "./targets.ts";

const DOC = fileURLToPath(new URL("../../docs/reliability.md", import.meta.url));
const BEGIN = "<!-- chaos-table:begin -->";
const END = "<!-- chaos-table:end -->";

const { values } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    stores: { type: "string", default: STORE_KINDS.join(",") },
    scenarios: { type: "string", default: "1,2,3,4,5,7" },
    jobs: { type: "string" },
    jobs2: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});

const sizes: Sizes = structuredClone(values.short ? SHORT : FULL);
if (values.jobs) sizes.workerCrashes.jobs = Number(values.jobs);
if (values.jobs2) sizes.noFaults.jobs = Number(values.jobs2);
const stores = values.stores.split(",") as StoreKind[];
const wanted = new Set(values.scenarios.split(","));

const SCENARIOS: [string, (kind: StoreKind) => Promise<ScenarioReport>][] = [
  ["1", (k) => workerCrashes(k, sizes.workerCrashes)],
  ["2", (k) => noFaults(k, sizes.noFaults)],
  ["3", (k) => storeCrashes(k, sizes.storeCrashes)],
  ["4", (k) => fencing(k, sizes.fencing)],
  ["5", (k) => poisonJobs(k, sizes.poison)],
  ["7", (k) => clockSkew(k, sizes.clockSkew)],
];

function row(r: ScenarioReport): string {
  const causes = Object.entries(r.causes)
    .map(([c, n]) => `${n} ${c}`)
    .join(", ");
  const verdict = r.failures.length === 0 ? "pass" : `FAIL: ${r.failures.join("; ")}`;
  const cells = [
    r.scenario,
    r.jobs.toLocaleString("en"),
    r.faults,
    r.lost,
    `${r.duplicates}${causes ? ` (${causes})` : ""}`,
    `${r.dead}${r.expectedDead ? ` (${r.expectedDead} expected)` : ""}`,
    r.recovery,
    [verdict, ...r.notes].join("; "),
    `${Math.round(r.seconds)} s`,
  ];
  return `| ${cells.map((c) => String(c).replaceAll("|", "/")).join(" | ")} |`;
}

function table(reports: ScenarioReport[]): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
  const lines = [
    BEGIN,
    "",
    `Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${values.short ? "short" : "full"} sizes (scenario 1 ${sizes.workerCrashes.jobs.toLocaleString("en")} jobs, scenario 2 ${sizes.noFaults.jobs.toLocaleString("en")}), on ${machine} (shared with other work: timings are indicative).`,
  ];
  for (const store of stores) {
    lines.push(
      "",
      `### ${store}`,
      "",
      "| scenario | jobs | faults | lost | duplicates (cause) | dead | recovery | verdict | time |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...reports.filter((r) => r.store === store).map(row),
    );
  }
  lines.push("", END);
  return lines.join("\n");
}

const reports: ScenarioReport[] = [];
for (const store of stores) {
  for (const [id, run] of SCENARIOS) {
    if (!wanted.has(id)) continue;
    console.log(`chaos: scenario ${id} on ${store}...`);
    try {
      const report = await run(store);
      console.log(row(report));
      reports.push(report);
    } catch (error) {
      console.error(`chaos: scenario ${id} on ${store} threw`, error);
      process.exitCode = 1;
    }
  }
}
if (reports.some((r) => r.failures.length > 0)) process.exitCode = 1;
const text = table(reports);
if (values["no-write"]) console.log(text);
else {
  const doc = readFileSync(DOC, "utf8");
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${BEGIN} … ${END} markers`);
  const updated = doc.slice(0, start) + text + doc.slice(end + END.length);
  // Formatted as `npm run format` would, so the format check passes on the written file.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(DOC)) ?? {};
  writeFileSync(DOC, await prettier.format(updated, { ...options, filepath: DOC }));
  console.log(`chaos: wrote the table into ${DOC}`);
}
