import type { JobError, JobInfo } from "./job.ts";
import { decodeJson } from "./policy/payload.ts";
import type { JobRecord } from "./stores/contract.ts";

function date(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** Decodes a stored job for users: JSON fields parsed, times as Dates. */
export function toJobInfo(record: JobRecord): JobInfo {
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    state: record.state,
    data: decodeJson(record.data),
    result: decodeJson(record.result),
    error: decodeJson(record.error) as JobError | null,
    attempt: record.attempt,
    attempts: record.attempts,
    stalls: record.stalls,
    priority: record.priority,
    key: record.key,
    group: record.group,
    progress: decodeJson(record.progress),
    logs: record.logs.map((l) => ({ at: new Date(l.at), message: l.message })),
    createdAt: new Date(record.createdAt),
    runAt: new Date(record.runAt),
    startedAt: date(record.startedAt),
    finishedAt: date(record.finishedAt),
  };
}
