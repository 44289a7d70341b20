import { FINISHED_STATES } from "../../job.ts";
import type { RawJob, SettleParams } from "../contract.ts";
import { rowId } from "./rows.ts";

/**
 * Milliseconds as a whole number: the SQL casts them to bigint, which refuses fractions.
 */
export function ms(value: number): number {
  return Math.round(value);
}

/** The parallel arrays of settle.sql, one slot per outcome. */
export function settleParams(params: SettleParams): unknown[] {
  const { outcomes } = params;
  return [
    outcomes.map((o) => rowId(o.id)),
    outcomes.map((o) => o.token),
    outcomes.map((o) => (o.kind === "complete" && o.remove ? "remove" : o.kind)),
    outcomes.map((o) => {
      if (o.kind === "complete") return o.result;
      if (o.kind === "retry" || o.kind === "dead") return o.error;
      return null;
    }),
    outcomes.map((o) => (o.kind === "retry" || o.kind === "postpone" ? ms(o.delayMs) : null)),
    params.now === undefined ? null : ms(params.now),
  ];
}

/**
 * The parallel arrays of insert-raw.sql. Missing fields take the same defaults as the
 * SQLite store, with this process's clock, so seeded jobs mean the same on every store.
 */
export function insertRawParams(jobs: RawJob[]): unknown[] {
  const now = Date.now();
  const column = <T>(pick: (job: RawJob) => T): T[] => jobs.map(pick);
  const finished = (job: RawJob) => (FINISHED_STATES as readonly string[]).includes(job.state);
  return [
    column((j) => j.name),
    column((j) => j.queue ?? "default"),
    column((j) => j.state),
    column((j) => j.data ?? "{}"),
    column((j) => j.result ?? null),
    column((j) => j.error ?? null),
    column((j) => j.priority ?? 0),
    column((j) => j.attempts ?? 3),
    column((j) => j.attempt ?? 0),
    column((j) => j.stalls ?? 0),
    column((j) => j.maxStalls ?? 3),
    column((j) => j.key ?? null),
    column((j) => j.group ?? null),
    column(
      (j) =>
        j.token ?? (j.state === "active" ? `raw-${Math.random().toString(36).slice(2)}` : null),
    ),
    column((j) => j.leaseExpiresAt ?? (j.state === "active" ? now + 30_000 : null)),
    column((j) => j.createdAt ?? now),
    column((j) => j.runAt ?? now),
    column((j) => j.startedAt ?? null),
    column((j) => j.finishedAt ?? (finished(j) ? now : null)),
  ];
}
