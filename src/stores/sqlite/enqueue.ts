import type { JobState } from "../../job.ts";
import type { EnqueueResult, NewJob, StoreEvent } from "../contract.ts";
import type { Statements } from "./statements.ts";

type Holder = { id: number; state: JobState };

function held(holder: Holder): EnqueueResult {
  return { id: String(holder.id), created: false, state: holder.state };
}

/**
 * A job that takes the place of a new one: the live holder of its key (plain dedupe and
 * throttle), a debounced holder given the new data and due time, or (throttle) the key's
 * newest job created within the window. Null when the new job should be inserted.
 */
function existing(sql: Statements, job: NewJob, now: number): EnqueueResult | null {
  if (job.key === null) return null;
  const live = sql["find-live-key"].get({ queue: job.queue, key: job.key, now }) as
    Holder | undefined;
  if (live && job.debounceMs !== null) {
    const moved = sql.debounce.get({
      id: live.id,
      data: job.data,
      runAt: now + job.debounceMs,
      now,
    }) as Holder | undefined;
    // An active holder already started: it keeps its data, and the new call joins it.
    return held(moved ?? live);
  }
  if (live) return held(live);
  if (job.throttleMs !== null) {
    const recent = sql["find-recent-key"].get({
      queue: job.queue,
      key: job.key,
      since: now - job.throttleMs,
      now,
    }) as Holder | undefined;
    if (recent) return held(recent);
  }
  return null;
}

/** Enqueues one job as the contract says; call inside enqueue's IMMEDIATE transaction. */
export function enqueueJob(sql: Statements, job: NewJob, now: number): EnqueueResult {
  const found = existing(sql, job, now);
  if (found) return found;
  const row = sql.enqueue.get({
    name: job.name,
    queue: job.queue,
    data: job.data,
    priority: job.priority,
    attempts: job.attempts,
    maxStalls: job.maxStalls,
    key: job.key,
    grp: job.group,
    now,
    runAt: job.runAt ?? now + job.delayMs,
  }) as Holder;
  return { id: String(row.id), created: true, state: row.state };
}

/** The `enqueued` events of the jobs a call created (none for a job that joined a holder). */
export function enqueuedEvents(
  jobs: readonly NewJob[],
  results: readonly EnqueueResult[],
  at: number,
): StoreEvent[] {
  const events: StoreEvent[] = [];
  results.forEach((result, i) => {
    const job = jobs[i];
    if (result.created && job !== undefined) {
      events.push({ type: "enqueued", jobId: result.id, name: job.name, queue: job.queue, at });
    }
  });
  return events;
}
