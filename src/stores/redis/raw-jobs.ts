import type { RawJob } from "../contract.ts";

function text(value: string | number | null | undefined): string | number {
  return value === null || value === undefined ? "" : value;
}

/**
 * One raw job as insert-raw.lua's eighteen arguments ('' for null), with the same
 * defaults as the other stores; the script fills in the times, token and lease that
 * depend on the server's clock.
 */
export function rawJobArgs(job: RawJob): (string | number)[] {
  return [
    job.name,
    job.state,
    job.data ?? "{}",
    text(job.result),
    text(job.error),
    job.priority ?? 0,
    job.attempt ?? 0,
    job.attempts ?? 3,
    job.stalls ?? 0,
    job.maxStalls ?? 3,
    text(job.key),
    text(job.group),
    text(job.token),
    text(job.leaseExpiresAt),
    text(job.createdAt),
    text(job.runAt),
    text(job.startedAt),
    text(job.finishedAt),
  ];
}
