import { randomBytes } from "node:crypto";

import type { ClaimedJob, ClaimParams, ClaimResult } from "../contract.ts";
import { type ClaimReply, compareClaimOrder, toClaimedJobs } from "./records.ts";
import type { ScriptName } from "./script-loader.ts";

/** Runs one script on one queue's keys. */
export type RunScriptFn = (
  name: ScriptName,
  queue: string,
  args: (string | number)[],
) => Promise<unknown>;

interface QueueClaim {
  jobs: ClaimedJob[];
  nextDueInMs: number | null;
}

async function claimFrom(
  run: RunScriptFn,
  queue: string,
  limit: number,
  params: ClaimParams,
): Promise<QueueClaim> {
  const token = `${randomBytes(9).toString("base64url")}.`;
  const reply = (await run("claim", queue, [
    params.now ?? "",
    limit,
    params.leaseMs,
    params.workerId,
    token,
    limitsArg(params),
  ])) as ClaimReply;
  const nextDue = Number(reply[0]);
  return {
    jobs: toClaimedJobs(reply, queue, token),
    nextDueInMs: nextDue < 0 ? null : nextDue,
  };
}

/** The worker's limits as the claim scripts read them: JSON, or '' for none. */
function limitsArg(params: ClaimParams): string {
  const limits = params.limits ?? {};
  return Object.keys(limits).length === 0 ? "" : JSON.stringify(limits);
}

interface Candidate {
  queue: string;
  score: number;
  member: string;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return a.score - b.score;
  if (a.member !== b.member) return a.member < b.member ? -1 : 1;
  return a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0;
}

function earliest(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.min(...known);
}

/**
 * Claims from several queues without a script that spans them (their keys live on
 * different Cluster slots): first each queue names the `limit` jobs its claim would take
 * (in its fair rotation, within the limits), then the best `limit` of those across all
 * queues, in claim order, decide how many each queue's claim takes. Those claims walk
 * their queue again, so a job another worker took in between is never leased twice; the
 * claim just gets the next one, or fewer jobs. Fair rotation and limits are therefore kept
 * per queue (docs/redis.md, "Flow control").
 */
export async function claimJobs(run: RunScriptFn, params: ClaimParams): Promise<ClaimResult> {
  const queues = [...new Set(params.queues)];
  if (queues.length === 0 || params.limit <= 0) return { jobs: [], nextDueInMs: null };
  if (queues.length === 1) {
    const claim = await claimFrom(run, queues[0] as string, params.limit, params);
    return { jobs: claim.jobs.sort(compareClaimOrder), nextDueInMs: claim.nextDueInMs };
  }
  const args = [params.now ?? "", params.limit, limitsArg(params)];
  const replies = await Promise.all(
    queues.map(
      async (queue) =>
        [queue, (await run("claim-candidates", queue, args)) as [string[], number]] as const,
    ),
  );
  const candidates: Candidate[] = [];
  for (const [queue, [flat]] of replies) {
    for (let i = 0; i + 1 < flat.length; i += 2) {
      candidates.push({ queue, member: flat[i] as string, score: Number(flat[i + 1]) });
    }
  }
  const shares = new Map<string, number>();
  for (const c of candidates.sort(compareCandidates).slice(0, params.limit)) {
    shares.set(c.queue, (shares.get(c.queue) ?? 0) + 1);
  }
  const claims = await Promise.all(
    [...shares].map(([queue, share]) => claimFrom(run, queue, share, params)),
  );
  const jobs = claims.flatMap((c) => c.jobs).sort(compareClaimOrder);
  if (jobs.length >= params.limit) return { jobs, nextDueInMs: null };
  // A queue that gave fewer jobs than it offered lost some to another worker: there may
  // be more right away.
  const raced = claims.some((c, i) => c.jobs.length < ([...shares.values()][i] as number));
  const due = earliest(replies.map(([, [, next]]) => (next < 0 ? null : next)));
  return { jobs, nextDueInMs: raced ? 0 : due };
}
