/**
 * Small waiting tools shared by the runtime cases (settle, leases, worker, events): they
 * wait on events and promises instead of sleeping, and fail with a message that says what
 * never happened rather than hanging the run.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";

import type { Errand } from "../../src/errand.ts";
import type { ErrandEvent, EventType } from "../../src/events.ts";
import type { QueueCounts } from "../../src/job.ts";
import type { ClaimedJob } from "../../src/stores/contract.ts";
import type { WorkOptions } from "../../src/worker/worker-options.ts";
import type { ConformanceContext } from "./context.ts";

/**
 * Worker options for cases that move the TestClock: a short safety-net poll, so a job
 * made due by `clock.advance()` is claimed within milliseconds, not after the default 1 s.
 */
export const FAST_WORKER: WorkOptions = { lease: "5s", pollInterval: "20ms" };

/** A promise opened by hand: a handler awaits it, the test opens it. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
}

/** Makes a {@link Gate}. */
export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Rejects after `ms` with a message naming what was awaited, unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${ms} ms waiting for ${what}.`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with the next event of `type` on `errand` that `match` accepts (every event
 * when `match` is left out). Register it before the action that causes the event.
 */
export function nextEvent(
  errand: Errand,
  type: EventType,
  match: (event: ErrandEvent) => boolean = () => true,
  ms = 5_000,
): Promise<ErrandEvent> {
  let listener: ((event: ErrandEvent) => void) | undefined;
  const heard = new Promise<ErrandEvent>((resolve) => {
    listener = (event) => {
      if (match(event)) resolve(event);
    };
    errand.on(type, listener);
  });
  return within(heard, `a "${type}" event`, ms).finally(() => {
    if (listener) errand.off(type, listener);
  });
}

/** Resolves with the next event of `type` about job `id`. */
export function nextJobEvent(
  errand: Errand,
  type: EventType,
  id: string,
  ms = 5_000,
): Promise<ErrandEvent> {
  return nextEvent(errand, type, (event) => event.jobId === id, ms);
}

/** Records every event of the given types on `errand`, in order of arrival. */
export function recordEvents(errand: Errand, types: readonly EventType[]): ErrandEvent[] {
  const seen: ErrandEvent[] = [];
  for (const type of types) errand.on(type, (event) => seen.push(event));
  return seen;
}

/**
 * Waits until `listener` hears events published through `producer`'s store. A new
 * subscription may take a moment to start (a LISTEN, a SUBSCRIBE, a first poll), so this
 * enqueues a ping job now and then until one is heard.
 */
export async function untilListening(listener: Errand, producer: Errand): Promise<void> {
  const heard = nextEvent(listener, "enqueued", (e) => e.name === "conformance.ping");
  const ping = (): void => void producer.enqueue("conformance.ping", null, { queue: "ping" });
  ping();
  const timer = setInterval(ping, 50);
  try {
    await heard;
  } finally {
    clearInterval(timer);
  }
}

/** Claims exactly one job through the raw contract at the context clock's time. */
export async function claimOne(
  c: ConformanceContext,
  options: { queue?: string; leaseMs?: number; workerId?: string } = {},
): Promise<ClaimedJob> {
  const { jobs } = await c.store.claim({
    queues: [options.queue ?? "default"],
    limit: 1,
    leaseMs: options.leaseMs ?? 1_000,
    workerId: options.workerId ?? "conformance-worker",
    now: c.clock.now(),
  });
  const [job] = jobs;
  if (jobs.length !== 1 || job === undefined)
    throw new Error(`Expected to claim one job, claimed ${jobs.length}.`);
  return job;
}

/** Polls the default queue's counts until `done` accepts them; fails after `ms`. */
export async function countsUntil(
  errand: Errand,
  done: (counts: QueueCounts) => boolean,
  what: string,
  ms = 5_000,
): Promise<QueueCounts> {
  const deadline = Date.now() + ms;
  for (;;) {
    const counts = await errand.queues.counts("default");
    if (done(counts)) return counts;
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; last counts ${JSON.stringify(counts)}`);
    await delay(10);
  }
}
