import type { RescuedJob, RescueParams, RetryParams } from "../contract.ts";
import type { RunScriptFn } from "./claim-jobs.ts";
import { groupByQueue, jobId } from "./keys.ts";
import type { ScriptName } from "./script-loader.ts";

/*
 * Operations over jobs of several queues, which never share a script (their keys live on
 * different Cluster slots): one script per queue, each atomic for its own jobs.
 */

/**
 * Runs one script per queue over items that name jobs by id: `head` arguments, then
 * `item(index, n)` for each of the queue's items. Returns the replies in the items'
 * order; an id this store never issued gets `undefined`.
 */
export async function runById(
  run: RunScriptFn,
  ids: string[],
  name: ScriptName,
  head: (string | number)[],
  item: (index: number, n: string) => (string | number)[],
): Promise<unknown[]> {
  const replies: unknown[] = ids.map(() => undefined);
  await Promise.all(
    [...groupByQueue(ids)].map(async ([queue, items]) => {
      const args = [...head, ...items.flatMap((it) => item(it.index, it.n))];
      const queueReplies = (await run(name, queue, args)) as unknown[];
      items.forEach((it, i) => (replies[it.index] = queueReplies[i]));
    }),
  );
  return replies;
}

/** Like {@link runById}, for scripts that answer 1 (applied) or 0 per item. */
export async function appliedById(
  run: RunScriptFn,
  ids: string[],
  name: ScriptName,
  head: (string | number)[],
  item: (index: number, n: string) => (string | number)[],
): Promise<boolean[]> {
  return (await runById(run, ids, name, head, item)).map((reply) => reply === 1);
}

/** Rescues expired leases in `queues`, one queue after another, so the limit holds overall. */
export async function rescueJobs(
  run: RunScriptFn,
  queues: string[],
  params: RescueParams,
): Promise<RescuedJob[]> {
  const rescued: RescuedJob[] = [];
  for (const queue of queues) {
    const left = params.limit - rescued.length;
    if (left <= 0) break;
    const replies = (await run("rescue", queue, [params.now ?? "", left])) as [
      number,
      string,
      "waiting" | "dead",
      number,
    ][];
    for (const [n, name, state, stalls] of replies)
      rescued.push({ id: jobId(n, queue), name, queue, state, stalls });
  }
  return rescued;
}

/** Retries jobs by id, one script per queue; returns the ids it moved. */
export async function retryById(
  run: RunScriptFn,
  ids: string[],
  now: number | undefined,
): Promise<string[]> {
  const moved = await Promise.all(
    [...groupByQueue(ids)].map(async ([queue, items]) => {
      const args = [now ?? "", "ids", ...items.map((item) => item.n)];
      const [ns] = (await run("retry", queue, args)) as [number[], string];
      return ns.map((n) => jobId(n, queue));
    }),
  );
  return moved.flat();
}

/** Retries every match of a filter in `queues`, each queue walked in chunks. */
export async function retryByFilter(
  run: RunScriptFn,
  queues: string[],
  filter: Extract<RetryParams, { filter: unknown }>["filter"],
  now: number | undefined,
): Promise<string[]> {
  const moved = await Promise.all(
    queues.map(async (q) => {
      const ids: string[] = [];
      for (let bound = "-inf"; bound !== "";) {
        const args = [now ?? "", "filter", filter.state, filter.name ?? "", bound, 500];
        const [ns, next] = (await run("retry", q, args)) as [number[], string];
        ids.push(...ns.map((n) => jobId(n, q)));
        bound = next;
      }
      return ids;
    }),
  );
  return moved.flat();
}
