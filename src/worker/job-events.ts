import type { ClaimedJob, Outcome, StoreEvent } from "../stores/contract.ts";

/** An event about a claimed job, at `at`. */
export function jobEvent(
  job: ClaimedJob,
  type: StoreEvent["type"],
  at: number,
  extra: Partial<StoreEvent> = {},
): StoreEvent {
  return { type, jobId: job.id, name: job.name, queue: job.queue, at, ...extra };
}

/** The `started` event of a job; built field by field, as it is for every job. */
export function startedEvent(job: ClaimedJob, at: number): StoreEvent {
  return {
    type: "started",
    jobId: job.id,
    name: job.name,
    queue: job.queue,
    at,
    attempt: job.attempt,
  };
}

/** The event that reports a settled outcome. */
export function outcomeEvent(job: ClaimedJob, outcome: Outcome, at: number): StoreEvent {
  switch (outcome.kind) {
    case "complete":
      // Field by field, not through jobEvent's spread: every completed job builds one.
      return {
        type: "completed",
        jobId: job.id,
        name: job.name,
        queue: job.queue,
        at,
        result: outcome.result,
        attempt: job.attempt,
      };
    case "retry":
      return jobEvent(job, "retrying", at, { error: outcome.error, attempt: job.attempt });
    case "dead":
      return jobEvent(job, "dead", at, { error: outcome.error, attempt: job.attempt });
    case "release":
    case "postpone":
      // Back in the queue, its start undone: to listeners it is enqueued again.
      return jobEvent(job, "enqueued", at);
  }
}
