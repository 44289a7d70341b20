import { FINISHED_STATES } from "../../job.ts";
import type { RawJob } from "../contract.ts";
import type { Statements } from "./statements.ts";

/** Inserts one job exactly as given, filling what is left out; returns its id. */
export function insertRawJob(sql: Statements, job: RawJob, now: number): string {
  const active = job.state === "active";
  const row = sql["insert-raw"].get({
    name: job.name,
    queue: job.queue ?? "default",
    state: job.state,
    data: job.data ?? "{}",
    result: job.result ?? null,
    error: job.error ?? null,
    priority: job.priority ?? 0,
    attempt: job.attempt ?? 0,
    attempts: job.attempts ?? 3,
    stalls: job.stalls ?? 0,
    maxStalls: job.maxStalls ?? 3,
    key: job.key ?? null,
    grp: job.group ?? null,
    token: job.token ?? (active ? `raw-${Math.random().toString(36).slice(2)}` : null),
    leaseExpiresAt: job.leaseExpiresAt ?? (active ? now + 30_000 : null),
    createdAt: job.createdAt ?? now,
    runAt: job.runAt ?? now,
    startedAt: job.startedAt ?? null,
    finishedAt: job.finishedAt ?? (FINISHED_STATES.includes(job.state as never) ? now : null),
  }) as { id: number };
  return String(row.id);
}
