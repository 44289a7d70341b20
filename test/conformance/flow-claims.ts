/**
 * Contract-level claiming for the flow-control cases: claims at the test clock's time with
 * the limits a worker would pass, and helpers to read what was claimed.
 */
import type { ClaimedJob, ClaimResult, Store, TaskLimits } from "../../src/stores/contract.ts";
import type { ConformanceContext } from "./context.ts";

/** Options of {@link claimWith}. */
export interface ClaimWithOptions {
  queues?: string[];
  limit?: number;
  limits?: Record<string, TaskLimits>;
  store?: Store;
  leaseMs?: number;
}

/** One claim through the contract at the context clock's time. */
export function claimWith(
  c: ConformanceContext,
  options: ClaimWithOptions = {},
): Promise<ClaimResult> {
  return (options.store ?? c.store).claim({
    queues: options.queues ?? ["default"],
    limit: options.limit ?? 10,
    leaseMs: options.leaseMs ?? 30_000,
    workerId: "conformance-flow",
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    now: c.clock.now(),
  });
}

/** Claims one job at a time, `n` times, and returns what each claim took (null for none). */
export async function claimOneByOne(
  c: ConformanceContext,
  n: number,
  options: ClaimWithOptions = {},
): Promise<(ClaimedJob | null)[]> {
  const taken: (ClaimedJob | null)[] = [];
  for (let i = 0; i < n; i++) {
    const { jobs } = await claimWith(c, { ...options, limit: 1 });
    taken.push(jobs[0] ?? null);
  }
  return taken;
}

/** Completes claimed jobs through the contract. */
export async function complete(c: ConformanceContext, jobs: ClaimedJob[]): Promise<void> {
  const applied = await c.store.settle({
    outcomes: jobs.map((j) => ({
      kind: "complete" as const,
      id: j.id,
      token: j.token,
      result: "null",
      remove: false,
    })),
    now: c.clock.now(),
  });
  if (!applied.every(Boolean)) throw new Error("a settle in the test setup did not apply");
}

/** How many jobs of each group (null for none) a list holds, as "group:count" sorted. */
export function perGroup(jobs: ClaimedJob[]): string[] {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.group ?? "-", (counts.get(job.group ?? "-") ?? 0) + 1);
  return [...counts].map(([g, n]) => `${g}:${n}`).sort();
}
