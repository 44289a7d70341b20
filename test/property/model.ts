/**
 * A plain in-memory model of the job state machine (docs/state-machine.md), written
 * from the document and not from any store, so the property tests can compare each
 * store with it after every step. It holds no I/O: the runner feeds it the store's ids
 * and tokens, the only values a store chooses freely.
 */
import type { JobState } from "../../src/job.ts";

/** A stored error the model cannot predict byte for byte (the rescue's StalledError). */
export const ANY_ERROR = "\u0000any";

export interface ModelJob {
  id: string;
  /** Creation order, for the claim order's last tie-break. */
  seq: number;
  createdAt: number;
  name: string;
  queue: string;
  /** The stored state: a due `scheduled` job stays `scheduled` here; see {@link reported}. */
  state: JobState;
  data: string;
  priority: number;
  runAt: number;
  key: string | null;
  attempt: number;
  attempts: number;
  stalls: number;
  maxStalls: number;
  token: string | null;
  leaseExpiresAt: number | null;
  result: string | null;
  error: string | null;
  progress: string | null;
  logs: number;
  finishedAt: number | null;
}

/** What the model expects a job's fields to be, as `get` reports them. */
export type ExpectedJob = Pick<
  ModelJob,
  | "name"
  | "queue"
  | "data"
  | "priority"
  | "runAt"
  | "key"
  | "attempt"
  | "attempts"
  | "stalls"
  | "maxStalls"
  | "result"
  | "error"
  | "progress"
> & { state: JobState; logs: number; finished: boolean };

export interface NewModelJob {
  name: string;
  queue: string;
  data: string;
  priority: number;
  delayMs: number;
  attempts: number;
  maxStalls: number;
  key: string | null;
  /** With `key`: a live holder not yet started takes the new data, due this long after now. */
  debounceMs: number | null;
  /** With `key`: the key's newest job created less than this long ago is returned. */
  throttleMs: number | null;
}

const LIVE: readonly JobState[] = ["scheduled", "waiting", "active"];
const FINISHED: readonly JobState[] = ["completed", "dead", "cancelled"];

/** A due `scheduled` job is reported `waiting` (contract: JobRecord.state). */
export function reported(job: ModelJob, now: number): JobState {
  return job.state === "scheduled" && job.runAt <= now ? "waiting" : job.state;
}

function dueState(runAt: number, now: number): JobState {
  return runAt > now ? "scheduled" : "waiting";
}

/** Claim order: priority descending, then due time, then enqueue order. */
export function compareClaimOrder(a: ModelJob, b: ModelJob): number {
  return b.priority - a.priority || a.runAt - b.runAt || a.seq - b.seq;
}

export class Model {
  readonly jobs = new Map<string, ModelJob>();
  private seq = 0;

  /** An independent copy, to try out one order of two racing commands. */
  clone(): Model {
    const copy = new Model();
    for (const [id, job] of this.jobs) copy.jobs.set(id, { ...job });
    copy.seq = this.seq;
    return copy;
  }

  live(queue: string, key: string): ModelJob | undefined {
    for (const job of this.jobs.values()) {
      if (job.queue === queue && job.key === key && LIVE.includes(job.state)) return job;
    }
    return undefined;
  }

  /**
   * The job enqueue returns instead of inserting a new one: the live holder of its key
   * (debounced first when it has not started), or with throttle the key's newest job
   * created within the window, in any state.
   */
  holder(job: NewModelJob, now: number): ModelJob | undefined {
    if (job.key === null) return undefined;
    const live = this.live(job.queue, job.key);
    if (live && job.debounceMs !== null && live.state !== "active") {
      live.data = job.data;
      live.runAt = now + job.debounceMs;
      live.state = dueState(live.runAt, now);
    }
    if (live || job.throttleMs === null) return live;
    const since = now - job.throttleMs;
    let newest: ModelJob | undefined;
    for (const j of this.jobs.values()) {
      if (j.queue !== job.queue || j.key !== job.key || j.createdAt <= since) continue;
      if (
        !newest ||
        j.createdAt > newest.createdAt ||
        (j.createdAt === newest.createdAt && j.seq > newest.seq)
      )
        newest = j;
    }
    return newest;
  }

  insert(id: string, job: NewModelJob, now: number): ModelJob {
    const runAt = now + job.delayMs;
    const stored: ModelJob = {
      id,
      seq: this.seq++,
      createdAt: now,
      name: job.name,
      queue: job.queue,
      state: dueState(runAt, now),
      data: job.data,
      priority: job.priority,
      runAt,
      key: job.key,
      attempt: 0,
      attempts: job.attempts,
      stalls: 0,
      maxStalls: job.maxStalls,
      token: null,
      leaseExpiresAt: null,
      result: null,
      error: null,
      progress: null,
      logs: 0,
      finishedAt: null,
    };
    this.jobs.set(id, stored);
    return stored;
  }

  /** Due jobs of `queues` in claim order. */
  candidates(queues: string[], now: number): ModelJob[] {
    return [...this.jobs.values()]
      .filter(
        (j) =>
          queues.includes(j.queue) &&
          (j.state === "waiting" || j.state === "scheduled") &&
          j.runAt <= now,
      )
      .sort(compareClaimOrder);
  }

  /** Milliseconds until the next not yet due job of `queues`, or null. */
  nextDueInMs(queues: string[], now: number): number | null {
    const times = [...this.jobs.values()]
      .filter((j) => queues.includes(j.queue) && j.state === "scheduled" && j.runAt > now)
      .map((j) => j.runAt - now);
    return times.length === 0 ? null : Math.min(...times);
  }

  lease(id: string, token: string, leaseMs: number, now: number): void {
    const job = this.must(id);
    job.state = "active";
    job.attempt += 1;
    job.token = token;
    job.leaseExpiresAt = now + leaseMs;
  }

  /** The job when it is active under `token`: what every fenced method checks. */
  fenced(id: string, token: string): ModelJob | undefined {
    const job = this.jobs.get(id);
    return job && job.state === "active" && job.token === token ? job : undefined;
  }

  extend(id: string, token: string, leaseMs: number, now: number): boolean {
    const job = this.fenced(id, token);
    if (job) job.leaseExpiresAt = now + leaseMs;
    return job !== undefined;
  }

  progress(id: string, token: string, progress: string): boolean {
    const job = this.fenced(id, token);
    if (job) job.progress = progress;
    return job !== undefined;
  }

  log(id: string, token: string): boolean {
    const job = this.fenced(id, token);
    if (job) job.logs += 1;
    return job !== undefined;
  }

  settle(outcome: ModelOutcome, now: number): boolean {
    const job = this.fenced(outcome.id, outcome.token);
    if (!job) return false;
    job.token = null;
    job.leaseExpiresAt = null;
    switch (outcome.kind) {
      case "complete":
        if (outcome.remove) {
          this.jobs.delete(job.id);
        } else {
          job.state = "completed";
          job.result = outcome.result;
          job.finishedAt = now;
        }
        break;
      case "retry":
        job.runAt = now + outcome.delayMs;
        job.state = dueState(job.runAt, now);
        job.error = outcome.error;
        break;
      case "dead":
        job.state = "dead";
        job.error = outcome.error;
        job.finishedAt = now;
        break;
      case "release":
        job.state = "waiting";
        job.attempt = Math.max(job.attempt - 1, 0);
        break;
      case "postpone":
        job.runAt = now + outcome.delayMs;
        job.state = dueState(job.runAt, now);
        job.attempt = Math.max(job.attempt - 1, 0);
        break;
    }
    return true;
  }

  /** Active jobs whose lease expired before now: what rescue takes (with a large limit). */
  expired(now: number): ModelJob[] {
    return [...this.jobs.values()].filter(
      (j) => j.state === "active" && (j.leaseExpiresAt as number) < now,
    );
  }

  rescue(id: string, now: number): void {
    const job = this.must(id);
    job.stalls += 1;
    job.token = null;
    job.leaseExpiresAt = null;
    if (job.stalls >= job.maxStalls) {
      job.state = "dead";
      job.finishedAt = now;
      job.error = ANY_ERROR;
    } else {
      job.state = "waiting";
    }
  }

  /** Cancels a live job; returns its reported state before, or null. */
  cancel(id: string, now: number): JobState | null {
    const job = this.jobs.get(id);
    if (!job || !LIVE.includes(job.state)) return null;
    const previous = reported(job, now);
    job.state = "cancelled";
    job.finishedAt = now;
    job.token = null;
    job.leaseExpiresAt = null;
    return previous;
  }

  /** Re-drives a dead or cancelled job unless a live job now holds its key. */
  retry(id: string, now: number): boolean {
    const job = this.jobs.get(id);
    if (!job || (job.state !== "dead" && job.state !== "cancelled")) return false;
    if (job.key !== null && this.live(job.queue, job.key)) return false;
    job.state = "waiting";
    job.attempt = 0;
    job.stalls = 0;
    job.runAt = now;
    job.finishedAt = null;
    job.result = null;
    job.progress = null;
    return true;
  }

  remove(id: string): boolean {
    return this.jobs.delete(id);
  }

  expected(id: string, now: number): ExpectedJob | null {
    const job = this.jobs.get(id);
    if (!job) return null;
    const state = reported(job, now);
    return {
      name: job.name,
      queue: job.queue,
      state,
      data: job.data,
      priority: job.priority,
      runAt: job.runAt,
      key: job.key,
      attempt: job.attempt,
      attempts: job.attempts,
      stalls: job.stalls,
      maxStalls: job.maxStalls,
      result: job.result,
      error: job.error,
      progress: job.progress,
      logs: job.logs,
      finished: FINISHED.includes(state),
    };
  }

  counts(queue: string, now: number): Record<JobState, number> {
    const counts: Record<JobState, number> = {
      scheduled: 0,
      waiting: 0,
      active: 0,
      completed: 0,
      dead: 0,
      cancelled: 0,
    };
    for (const job of this.jobs.values()) {
      if (job.queue === queue) counts[reported(job, now)] += 1;
    }
    return counts;
  }

  private must(id: string): ModelJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`model: no job ${id}`);
    return job;
  }
}

/** A settle outcome as the model applies it (the contract's Outcome, with its fields). */
export type ModelOutcome =
  | { kind: "complete"; id: string; token: string; result: string; remove: boolean }
  | { kind: "retry"; id: string; token: string; error: string; delayMs: number }
  | { kind: "dead"; id: string; token: string; error: string }
  | { kind: "release"; id: string; token: string }
  | { kind: "postpone"; id: string; token: string; delayMs: number };
