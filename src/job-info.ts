import type { JobError, JobInfo, UndecodableField } from "./job.ts";
import { decodeJson } from "./policy/payload.ts";
import type { JobRecord } from "./stores/contract.ts";

function date(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/**
 * Decodes a stored job for users: JSON fields parsed, times as Dates. A field that is
 * not JSON reads as null and is named in `undecodable`, so one bad row does not make a
 * whole listing throw.
 */
export function toJobInfo(record: JobRecord): JobInfo {
  const undecodable: UndecodableField[] = [];
  const decode = (field: UndecodableField, text: string | null): unknown => {
    try {
      return decodeJson(text);
    } catch {
      undecodable.push(field);
      return null;
    }
  };
  const info: JobInfo = {
    id: record.id,
    name: record.name,
    queue: record.queue,
    state: record.state,
    data: decode("data", record.data),
    result: decode("result", record.result),
    error: decode("error", record.error) as JobError | null,
    attempt: record.attempt,
    attempts: record.attempts,
    stalls: record.stalls,
    priority: record.priority,
    key: record.key,
    group: record.group,
    progress: decode("progress", record.progress),
    logs: record.logs.map((l) => ({ at: new Date(l.at), message: l.message })),
    createdAt: new Date(record.createdAt),
    runAt: new Date(record.runAt),
    startedAt: date(record.startedAt),
    finishedAt: date(record.finishedAt),
  };
  if (undecodable.length > 0) info.undecodable = undecodable;
  return info;
}
