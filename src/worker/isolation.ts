/**
 * Which buffered jobs a worker starts now, as pure logic over what it holds.
 *
 * A job that has stalled (`stalls > 0`: a worker holding it died) may be what killed
 * that worker: a handler that exits its process, or runs it out of memory. Such a job
 * runs alone in its process, so that if it kills this one too, it takes no other job's
 * lease down with it: every job a dead worker held counts a stall, and jobs claimed in
 * the same batch as a self-killing job would otherwise reach `maxStalls` with it
 * without ever having run. An isolated job starts only when nothing else runs, settles
 * or is being handed back in this process; while it waits or runs, nothing starts
 * after it (first in, first out) and the buffer keeps only `prefetch` jobs behind it,
 * the rest handed back to the store before it starts.
 */
import { startsFromBuffer } from "./refill.ts";

/** What the worker holds now, and its limits. */
export interface BufferState {
  concurrency: number;
  prefetch: number;
  /** Handlers running now. */
  running: number;
  /** True while a stalled job's handler runs in this process. */
  isolatedRunning: boolean;
  /** True while outcomes are settling or jobs are being handed back. */
  busy: boolean;
}

/** What to do with the buffered jobs, in claim order. */
export interface BufferPlan {
  /** How many jobs from the head of the buffer to start now. */
  start: number;
  /** The jobs from this position on are handed back to the store now. */
  keep: number;
}

/** True when a buffered job that has stalled must wait, alone at the head of the line. */
export function isolating(isolatedRunning: boolean, headStalled: boolean): boolean {
  return isolatedRunning || headStalled;
}

/**
 * Splits the buffer into jobs to start now, jobs to keep, and jobs to hand back.
 * `head` says which of the first buffered jobs have stalled (at least one more than
 * the free slots; the plan looks no further), `total` is the buffer's size.
 */
export function planBuffer(
  state: BufferState,
  head: readonly boolean[],
  total: number,
): BufferPlan {
  const free = state.isolatedRunning
    ? 0
    : startsFromBuffer({ concurrency: state.concurrency, running: state.running, buffered: total });
  let start = 0;
  let startsIsolated = false;
  while (start < free) {
    if (head[start] === true) {
      // Alone: nothing else may run, settle or be released while it may kill the process.
      if (state.running === 0 && start === 0 && !state.busy) {
        start = 1;
        startsIsolated = true;
      }
      break;
    }
    start += 1;
  }
  const isolated = state.isolatedRunning || startsIsolated;
  const headWaits = !isolated && head[start] === true;
  if (!isolating(isolated, headWaits)) return { start, keep: total };
  // The jobs kept behind an isolated job: `prefetch` of them, plus the waiting head.
  const keep = Math.min(total, start + state.prefetch + (headWaits ? 1 : 0));
  // Hand-backs must land before the isolated job may kill the process: it starts later.
  if (startsIsolated && keep < total) return { start: 0, keep };
  return { start, keep };
}
