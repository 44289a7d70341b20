import type { EnqueueParams, EnqueueResult, NewJob, StoreEvent } from "../contract.ts";
import { jobId, queueRuns, type RedisKeys } from "./keys.ts";
import { enqueueRunArgs } from "./script-args.ts";
import type { ScriptCall } from "./script-loader.ts";

/** What {@link enqueueJobs} needs from the store. */
export interface EnqueueDeps {
  keys: RedisKeys;
  /** False on Redis Cluster, where the event stream is on another slot than any queue. */
  streamInScript: boolean;
  /** Queues registered already (see registerQueues), so a steady enqueue skips the call. */
  knownQueues: ReadonlySet<string>;
  registerQueues: (queues: string[]) => Promise<void>;
  runTogether: (calls: ScriptCall[]) => Promise<unknown[]>;
  publish: (origin: string, events: StoreEvent[]) => Promise<void>;
}

/** The script's clock, then n, created (1|0) and state per job, flat. */
type ScriptReply = [number, (number | EnqueueResult["state"])[]];

/**
 * Atomic as a batch on a single server: jobs of several queues go in one MULTI/EXEC,
 * one script per run of consecutive jobs of a queue (keys.ts, queueRuns), so jobs are
 * numbered in input order across queues. On Redis Cluster each run is written
 * atomically, the runs independently.
 *
 * With an origin, the created jobs' `enqueued` events go out as one stream entry: written
 * by the script itself when the batch is one run on a single server (the common case, and
 * the round trip this saves), else published right after, from the replies.
 */
export async function enqueueJobs(
  deps: EnqueueDeps,
  params: EnqueueParams,
): Promise<EnqueueResult[]> {
  const { origin } = params;
  const byQueue = queueRuns(params.jobs, (job) => job.queue);
  const inScript = origin !== undefined && deps.streamInScript && byQueue.length === 1;
  if (!byQueue.every(([queue]) => deps.knownQueues.has(queue))) {
    await deps.registerQueues(byQueue.map(([queue]) => queue));
  }
  const calls = byQueue.map(([queue, indexes]) => ({
    name: "enqueue" as const,
    base: deps.keys.queue(queue),
    args: [
      params.now ?? "",
      queue,
      inScript ? origin : "",
      ...enqueueRunArgs(indexes.map((i) => params.jobs[i] as NewJob)),
    ],
    ...(inScript ? { extraKeys: [deps.keys.events] } : {}),
  }));
  const replies = (await deps.runTogether(calls)) as ScriptReply[];
  const results: EnqueueResult[] = new Array(params.jobs.length);
  const events: StoreEvent[] = [];
  byQueue.forEach(([queue, indexes], q) => {
    const [at, flat] = replies[q] as ScriptReply;
    indexes.forEach((index, i) => {
      const id = jobId(flat[3 * i] as number, queue);
      const created = flat[3 * i + 1] === 1;
      results[index] = { id, created, state: flat[3 * i + 2] as EnqueueResult["state"] };
      if (created) {
        const { name } = params.jobs[index] as NewJob;
        events.push({ type: "enqueued", jobId: id, name, queue, at });
      }
    });
  });
  if (origin !== undefined && !inScript && events.length > 0) await deps.publish(origin, events);
  return results;
}
