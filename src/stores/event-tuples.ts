import type { StoreEvent } from "./contract.ts";

/*
 * Events travel as positional tuples rather than objects: a busy worker publishes a
 * started and a completed event for every job, and as objects most of their bytes were
 * the same keys, task name and queue again and again. Every listening backend of the
 * database reads each byte from PostgreSQL's notification queue, and every listening
 * process receives it, so bytes saved here are CPU saved on the server and in Node.
 *
 * A tuple is [type, jobId, name, queue, at, attempt, result, error, progress]. In name,
 * queue and at, null means "as in the event before" (the events of a batch mostly share
 * them); in the later fields null means absent, and absent fields at the end are left
 * out. No field of a StoreEvent is ever null, so nothing is ambiguous.
 * enqueue_announced() (migration 004-events.sql) writes the same tuples in SQL.
 */

/** One event on the wire. */
export type EventTuple = (string | number | null)[];

/** The tuples of a batch, in order. */
export function toTuples(events: StoreEvent[]): EventTuple[] {
  const tuples = new Array<EventTuple>(events.length);
  let before: StoreEvent | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as StoreEvent;
    const tuple: EventTuple = [
      e.type,
      e.jobId,
      e.name === before?.name ? null : e.name,
      e.queue === before?.queue ? null : e.queue,
      e.at === before?.at ? null : e.at,
    ];
    const { attempt, result, error, progress } = e;
    if (
      attempt !== undefined ||
      result !== undefined ||
      error !== undefined ||
      progress !== undefined
    ) {
      tuple.push(attempt ?? null, result ?? null, error ?? null, progress ?? null);
      while (tuple[tuple.length - 1] === null) tuple.pop();
    }
    tuples[i] = tuple;
    before = e;
  }
  return tuples;
}

/** Whether a tuple's field holds a value (null and a missing field do not). */
function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** The events of a batch's tuples, or null when they are not tuples of ours. */
export function fromTuples(tuples: unknown): StoreEvent[] | null {
  if (!Array.isArray(tuples)) return null;
  const events = new Array<StoreEvent>(tuples.length);
  let before: StoreEvent | undefined;
  for (let i = 0; i < tuples.length; i++) {
    const tuple = tuples[i] as unknown;
    if (!Array.isArray(tuple)) return null;
    const [type, jobId, name, queue, at, attempt, result, error, progress] = tuple as unknown[];
    const event = {
      type,
      jobId,
      name: present(name) ? name : before?.name,
      queue: present(queue) ? queue : before?.queue,
      at: present(at) ? at : before?.at,
    } as StoreEvent;
    if (
      typeof type !== "string" ||
      typeof jobId !== "string" ||
      typeof event.name !== "string" ||
      typeof event.queue !== "string" ||
      typeof event.at !== "number"
    ) {
      return null;
    }
    if (present(attempt)) event.attempt = attempt as number;
    if (present(result)) event.result = result as string;
    if (present(error)) event.error = error as string;
    if (present(progress)) event.progress = progress as string;
    events[i] = event;
    before = event;
  }
  return events;
}
