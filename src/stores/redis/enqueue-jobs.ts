import type { EnqueueParams, EnqueueResult, NewJob } from "../contract.ts";
import { jobId, queueRuns, type RedisKeys } from "./keys.ts";
import { enqueueArgs } from "./script-args.ts";
import type { ScriptCall } from "./script-loader.ts";

/** What {@link enqueueJobs} needs from the store. */
export interface EnqueueDeps {
  keys: RedisKeys;
  registerQueues: (queues: string[]) => Promise<void>;
  runTogether: (calls: ScriptCall[]) => Promise<unknown[]>;
}

/**
 * Atomic as a batch on a single server: jobs of several queues go in one MULTI/EXEC,
 * one script per run of consecutive jobs of a queue (keys.ts, queueRuns), so jobs are
 * numbered in input order across queues. On Redis Cluster each run is written
 * atomically, the runs independently.
 */
export async function enqueueJobs(
  deps: EnqueueDeps,
  params: EnqueueParams,
): Promise<EnqueueResult[]> {
  const byQueue = queueRuns(params.jobs, (job) => job.queue);
  await deps.registerQueues(byQueue.map(([queue]) => queue));
  const calls = byQueue.map(([queue, indexes]) => ({
    name: "enqueue" as const,
    base: deps.keys.queue(queue),
    args: [
      params.now ?? "",
      queue,
      ...indexes.flatMap((i) => enqueueArgs(params.jobs[i] as NewJob)),
    ],
  }));
  const replies = await deps.runTogether(calls);
  const results: EnqueueResult[] = new Array(params.jobs.length);
  byQueue.forEach(([queue, indexes], q) => {
    const queueReplies = replies[q] as [number, number, EnqueueResult["state"]][];
    indexes.forEach((index, i) => {
      const [n, created, state] = queueReplies[i] as (typeof queueReplies)[number];
      results[index] = { id: jobId(n, queue), created: created === 1, state };
    });
  });
  return results;
}
