import type { JobState } from "../../job.ts";
import type { EnqueueResult, NewJob } from "../contract.ts";
import type { Queryable } from "./pg-client.ts";
import type { Queries } from "./sql-files.ts";

/** How often a batch is retried when a key's holder finishes between insert and read. */
const KEY_RACE_ROUNDS = 5;

interface SlotRow {
  ord: number;
  id: string | number | null;
  state: JobState | null;
}

function insert(
  db: Queryable,
  queries: Queries,
  jobs: NewJob[],
  now: number | undefined,
): Promise<{ rows: SlotRow[] }> {
  return db.query<SlotRow & { id: string | number | null }>(queries.enqueue, [
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
  ]);
}

function findHolders(
  db: Queryable,
  queries: Queries,
  jobs: NewJob[],
): Promise<{ rows: SlotRow[] }> {
  return db.query<SlotRow>(queries["find-live-keys"], [
    jobs.map((j) => j.queue),
    jobs.map((j) => j.key),
  ]);
}

/**
 * Enqueues a batch on one connection, which must already be inside a transaction when
 * any job has a key (the store's own, or the caller's). Jobs whose key is held get the
 * holder's id. A holder can finish between the insert and the read that looks for it;
 * those jobs are simply inserted again, now that the key is free.
 */
export async function enqueueBatch(
  db: Queryable,
  queries: Queries,
  jobs: NewJob[],
  now: number | undefined,
): Promise<EnqueueResult[]> {
  const results = new Array<EnqueueResult | undefined>(jobs.length);
  let pending = jobs.map((_, i) => i);
  for (let round = 0; round < KEY_RACE_ROUNDS && pending.length > 0; round++) {
    const batch = pending.map((i) => jobs[i] as NewJob);
    const skipped: number[] = [];
    for (const row of (await insert(db, queries, batch, now)).rows) {
      const slot = pending[row.ord - 1] as number;
      if (row.id === null) skipped.push(slot);
      else results[slot] = { id: String(row.id), created: true, state: row.state as JobState };
    }
    pending = skipped;
    if (skipped.length === 0) break;
    const held = await findHolders(
      db,
      queries,
      skipped.map((i) => jobs[i] as NewJob),
    );
    for (const row of held.rows) {
      const slot = skipped[row.ord - 1] as number;
      results[slot] = { id: String(row.id), created: false, state: row.state as JobState };
    }
    pending = skipped.filter((slot) => results[slot] === undefined);
  }
  if (pending.length > 0) {
    throw new Error(
      `Enqueue gave up after ${KEY_RACE_ROUNDS} rounds: the deduplication keys of ${pending.length} job(s) kept changing hands. Retry the call.`,
    );
  }
  return results as EnqueueResult[];
}
