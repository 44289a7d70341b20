import type { JobInfo } from "../../src/index.ts";

/** What the demo read back from the store once every job had finished. */
export interface DemoResults {
  completed: JobInfo[];
  dead: JobInfo[];
  /** From the first enqueue to the last job finishing. */
  elapsedMs: number;
  /** The store URL, for the re-drive hint. */
  store: string;
}

/** The value below which `p` percent of `values` fall (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`;
}

/** How long a job sat due before a worker started it (its last attempt's start). */
function waitMs(job: JobInfo): number {
  return Math.max(0, (job.startedAt?.getTime() ?? job.runAt.getTime()) - job.runAt.getTime());
}

/** Tries beyond the first, not counting restarts after a lost worker (those spend none). */
function retriesOf(job: JobInfo): number {
  return Math.max(0, job.attempt - job.stalls - 1);
}

function countBy(jobs: JobInfo[], key: (job: JobInfo) => string): string {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(key(job), (counts.get(key(job)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

/** The summary the demo prints, as lines of text. */
export function formatSummary({ completed, dead, elapsedMs, store }: DemoResults): string[] {
  const finished = [...completed, ...dead];
  const retried = finished.filter((job) => retriesOf(job) > 0);
  const retries = finished.reduce((sum, job) => sum + retriesOf(job), 0);
  const waits = completed.map(waitMs);
  const urgentWaits = completed.filter((job) => job.priority >= 10).map(waitMs);
  const pad = (label: string): string => `  ${label.padEnd(11)}`;
  const lines = [
    `${pad("completed")}${completed.length}  (${countBy(completed, (job) => job.name)})`,
    `${pad("retried")}${retried.length} jobs needed more than one attempt, ${retries} retries in all`,
    `${pad("dead")}${dead.length}`,
  ];
  for (const job of dead) {
    const tries = `${job.attempt} attempt${job.attempt === 1 ? "" : "s"}`;
    lines.push(`${pad("")}${job.name} #${job.id} after ${tries}: ${job.error?.message ?? "?"}`);
  }
  lines.push(
    `${pad("throughput")}${((finished.length / elapsedMs) * 1_000).toFixed(1)} jobs/s ` +
      `(${finished.length} jobs in ${formatMs(elapsedMs)})`,
    `${pad("wait time")}p50 ${formatMs(percentile(waits, 50))}, p99 ${formatMs(percentile(waits, 99))}` +
      ` (from due to started; priority 10: p50 ${formatMs(percentile(urgentWaits, 50))})`,
  );
  if (dead.length > 0) {
    const first = dead[0]!;
    lines.push(
      "",
      "Dead jobs stay in the dead-letter queue. Fix the cause, then re-drive them:",
      `  const errand = new Errand({ store: "${store}" });`,
      `  await errand.jobs.retry("${first.id}");`.padEnd(50) + "// one job",
      `  await errand.jobs.retryAll({ state: "dead" });`.padEnd(50) + "// every dead job",
    );
  }
  return lines;
}
