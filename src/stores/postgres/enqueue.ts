import pg from "pg";

import { ValidationError } from "../../errors.ts";
import type { JobState } from "../../job.ts";
import type { EnqueueResult, NewJob, StoreEvent } from "../contract.ts";
import { encodeBatch, originField, pieceBytes } from "./notify-payload.ts";
import { isQueryable, type Queryable } from "./pg-client.ts";
import type { Statements } from "./prepared.ts";
import { rowId } from "./rows.ts";
import type { Queries } from "./sql-files.ts";

/** The origin of events sent inside a caller's transaction: every process delivers them. */
const TX_ORIGIN = "errand:tx-commit";

/** How often a batch is retried when a key's holder finishes between insert and read. */
const KEY_RACE_ROUNDS = 5;

/** Where a batch goes: the store's queries, and its schema (which namespaces lock keys). */
export interface EnqueueTarget {
  queries: Queries;
  /** How the hot statements run on this connection (prepared only on the store's own pool). */
  statements: Statements;
  schema: string;
}

/** Where and under which origin the enqueue publishes its created jobs' events itself. */
export interface Announce {
  channel: string;
  origin: string;
}

interface SlotRow {
  ord: number;
  id: string | number | null;
  state: JobState | null;
}

function insert(
  db: Queryable,
  statements: Statements,
  jobs: NewJob[],
  now: number | undefined,
  announce: Announce | undefined,
): Promise<{ rows: SlotRow[] }> {
  const [one] = jobs;
  // One job, with its events: one value per field (enqueue-one-announced.sql says why).
  if (announce !== undefined && jobs.length === 1 && one !== undefined) {
    return statements.query<SlotRow>(db, "enqueue-one-announced", [
      one.name,
      one.queue,
      one.data,
      one.priority,
      one.attempts,
      one.maxStalls,
      one.key,
      one.group,
      one.runAt,
      one.delayMs,
      now ?? null,
      announce.channel,
      originField(announce.origin),
      pieceBytes(announce.origin),
    ]);
  }
  const values = [
    jobs.map((j) => j.name),
    jobs.map((j) => j.queue),
    jobs.map((j) => j.data),
    jobs.map((j) => j.priority),
    jobs.map((j) => j.attempts),
    jobs.map((j) => j.maxStalls),
    jobs.map((j) => j.key),
    jobs.map((j) => j.group),
    jobs.map((j) => j.runAt),
    jobs.map((j) => j.delayMs),
    now ?? null,
  ];
  if (announce === undefined) return statements.query<SlotRow>(db, "enqueue", values);
  return statements.query<SlotRow>(db, "enqueue-announced", [
    ...values,
    announce.channel,
    originField(announce.origin),
    pieceBytes(announce.origin),
  ]);
}

function findHolders(
  db: Queryable,
  statements: Statements,
  jobs: NewJob[],
  now: number | undefined,
): Promise<{ rows: SlotRow[] }> {
  return statements.query<SlotRow>(db, "find-live-keys", [
    jobs.map((j) => j.queue),
    jobs.map((j) => j.key),
    now ?? null,
  ]);
}

/** Takes the throttle locks of the batch's throttled keys (throttle-lock.sql). */
async function lockThrottledKeys(
  db: Queryable,
  target: EnqueueTarget,
  jobs: NewJob[],
): Promise<void> {
  const throttled = jobs.filter((j) => j.throttleMs !== null && j.key !== null);
  if (throttled.length === 0) return;
  await db.query(target.queries["throttle-lock"], [
    target.schema,
    throttled.map((j) => j.queue),
    throttled.map((j) => j.key),
  ]);
}

/** Throttle: a job of the key created within the window takes the place of the new one. */
async function takeRecent(
  db: Queryable,
  target: EnqueueTarget,
  jobs: NewJob[],
  pending: number[],
  results: (EnqueueResult | undefined)[],
  now: number | undefined,
): Promise<void> {
  const slots = pending.filter((i) => jobs[i]?.throttleMs !== null && jobs[i]?.key !== null);
  if (slots.length === 0) return;
  const picked = slots.map((i) => jobs[i] as NewJob);
  const { rows } = await db.query<SlotRow>(target.queries["find-recent-key"], [
    picked.map((j) => j.queue),
    picked.map((j) => j.key),
    picked.map((j) => j.throttleMs),
    now ?? null,
  ]);
  for (const row of rows) {
    results[slots[row.ord - 1] as number] = held(row);
  }
}

/**
 * Debounce: the holders found for debounced jobs take their data and a new due time, in
 * input order (the last call wins). A holder that already started keeps what it had.
 */
async function debounceHolders(
  db: Queryable,
  target: EnqueueTarget,
  jobs: NewJob[],
  slots: number[],
  results: (EnqueueResult | undefined)[],
  now: number | undefined,
): Promise<void> {
  const debounced = slots.filter((i) => jobs[i]?.debounceMs !== null && results[i] !== undefined);
  if (debounced.length === 0) return;
  const { rows } = await db.query<SlotRow>(target.queries.debounce, [
    debounced.map((i) => rowId((results[i] as EnqueueResult).id)),
    debounced.map((i) => (jobs[i] as NewJob).data),
    debounced.map((i) => (jobs[i] as NewJob).debounceMs),
    now ?? null,
  ]);
  const moved = new Map(rows.map((row) => [String(row.id), row.state as JobState]));
  for (const i of debounced) {
    const result = results[i] as EnqueueResult;
    result.state = moved.get(result.id) ?? result.state;
  }
}

function held(row: SlotRow): EnqueueResult {
  return { id: String(row.id), created: false, state: row.state as JobState };
}

/**
 * Enqueues a batch on one connection, which must already be inside a transaction when
 * any job has a key (the store's own, or the caller's). Jobs whose key is held get the
 * holder's id (a debounced job updates it first); a throttled job whose key had a job
 * within the window gets that job. A holder can finish between the insert and the read
 * that looks for it; those jobs are simply inserted again, now that the key is free.
 * With `announce`, each insert also publishes the `enqueued` events of the jobs it
 * created, in the same transaction.
 */
export async function enqueueBatch(
  db: Queryable,
  target: EnqueueTarget,
  jobs: NewJob[],
  now: number | undefined,
  announce?: Announce,
): Promise<EnqueueResult[]> {
  const results = new Array<EnqueueResult | undefined>(jobs.length);
  await lockThrottledKeys(db, target, jobs);
  let pending = jobs.map((_, i) => i);
  for (let round = 0; round < KEY_RACE_ROUNDS && pending.length > 0; round++) {
    await takeRecent(db, target, jobs, pending, results, now);
    pending = pending.filter((slot) => results[slot] === undefined);
    if (pending.length === 0) break;
    const batch = pending.map((i) => jobs[i] as NewJob);
    const skipped: number[] = [];
    for (const row of (await insert(db, target.statements, batch, now, announce)).rows) {
      const slot = pending[row.ord - 1] as number;
      if (row.id === null) skipped.push(slot);
      else results[slot] = { id: String(row.id), created: true, state: row.state as JobState };
    }
    pending = skipped;
    if (skipped.length === 0) break;
    const found = await findHolders(
      db,
      target.statements,
      skipped.map((i) => jobs[i] as NewJob),
      now,
    );
    for (const row of found.rows) results[skipped[row.ord - 1] as number] = held(row);
    await debounceHolders(db, target, jobs, skipped, results, now);
    pending = skipped.filter((slot) => results[slot] === undefined);
  }
  if (pending.length > 0) {
    throw new Error(
      `Enqueue gave up after ${KEY_RACE_ROUNDS} rounds: the deduplication keys of ${pending.length} job(s) kept changing hands. Retry the call.`,
    );
  }
  return results as EnqueueResult[];
}

/**
 * Enqueues on the caller's connection, inside their transaction, issuing no BEGIN or
 * COMMIT: the jobs exist if and only if the caller commits. The enqueued events go out
 * as NOTIFY in the same transaction, so workers wake (and listeners hear of the jobs)
 * exactly when it commits, and never for a rollback.
 */
export async function enqueueInCallerTransaction(
  tx: unknown,
  target: EnqueueTarget,
  channel: string,
  jobs: NewJob[],
  now: number | undefined,
): Promise<EnqueueResult[]> {
  if (!isQueryable(tx) || tx instanceof pg.Pool) {
    throw new ValidationError(
      "tx must be the pg Client or PoolClient running your transaction (after BEGIN), not a pool.",
    );
  }
  // The caller's connection is not the store's: nothing is prepared on it.
  const results = await enqueueBatch(
    tx,
    { ...target, statements: target.statements.unnamed() },
    jobs,
    now,
  );
  const at = now ?? Date.now();
  const events: StoreEvent[] = results.flatMap((r, i) => {
    const job = jobs[i];
    return r.created && job
      ? [{ type: "enqueued" as const, jobId: r.id, name: job.name, queue: job.queue, at }]
      : [];
  });
  if (events.length > 0) {
    await tx.query(target.queries.publish, [channel, encodeBatch(TX_ORIGIN, events)]);
  }
  return results;
}
