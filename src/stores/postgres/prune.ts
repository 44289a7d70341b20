import type pg from "pg";

import { FINISHED_STATES } from "../../job.ts";
import type { PruneParams, PruneRule } from "../contract.ts";
import { ms } from "./query-params.ts";

/** Runs one of the prune query files; the row count says how many jobs it deleted. */
type RunPruneFn = (name: "prune-age" | "prune-count", values: unknown[]) => Promise<pg.QueryResult>;

async function pruneRule(
  run: RunPruneFn,
  queue: string,
  states: string[],
  rule: PruneRule,
  limit: number,
): Promise<number> {
  let deleted = 0;
  if (limit > 0 && rule.before !== null) {
    const res = await run("prune-age", [queue, states, ms(rule.before), limit]);
    deleted += res.rowCount ?? 0;
  }
  if (limit - deleted > 0 && rule.keep !== null) {
    const res = await run("prune-count", [queue, states, rule.keep, limit - deleted]);
    deleted += res.rowCount ?? 0;
  }
  return deleted;
}

/**
 * Deletes finished jobs past retention, queue by queue, at most `params.limit` in all.
 * Each statement is atomic on its own; a job pruned twice is simply not found again.
 */
export async function pruneFinished(params: PruneParams, run: RunPruneFn): Promise<number> {
  const failed = FINISHED_STATES.filter((s) => s !== "completed");
  let left = params.limit;
  for (const queue of params.queues) {
    left -= await pruneRule(run, queue, ["completed"], params.completed, left);
    left -= await pruneRule(run, queue, failed, params.failed, left);
  }
  return params.limit - left;
}
