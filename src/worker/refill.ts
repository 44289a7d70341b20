/**
 * How many jobs a worker asks the store for, as pure arithmetic over what it holds.
 *
 * A worker holds jobs in three places: running (a handler is executing), buffered
 * (claimed ahead with `prefetch`, leased, not started) and settling (the handler
 * returned, the outcome waits for the group commit). Running jobs are bounded by
 * `concurrency`, buffered ones by `prefetch`. Settling ones do not hold a slot, so the
 * next claim overlaps the settle; they are still bounded, so a store that settles more
 * slowly than it hands out jobs makes the worker wait instead of piling up outcomes
 * that a crash would make run again.
 */

/** What the worker holds now, and its limits. */
export interface RefillState {
  concurrency: number;
  prefetch: number;
  running: number;
  buffered: number;
  settling: number;
  /**
   * True when a task of this worker has flow-control limits. A buffered job counts as
   * started for the store's concurrency and rate windows, so claiming ahead would bend
   * those limits (a burst of starts long after their claims): no prefetch then.
   */
  limited: boolean;
  /**
   * True while a stalled job runs or waits to run alone (see isolation.ts): no slot is
   * free then, and only the buffer's `prefetch` is claimed ahead.
   */
  isolating?: boolean;
}

/** Outcomes waiting for their settle before the worker stops claiming. */
export function settleBacklogLimit(concurrency: number, prefetch: number): number {
  return Math.max(64, 2 * (concurrency + prefetch));
}

/** Jobs to claim in the next round trip; 0 means wait until something is freed. */
export function claimSize(state: RefillState): number {
  const { concurrency, buffered, settling } = state;
  const running = state.isolating === true ? concurrency : state.running;
  const prefetch = state.limited ? 0 : state.prefetch;
  if (settling >= settleBacklogLimit(concurrency, prefetch)) return 0;
  const free = concurrency - running - buffered;
  if (free > 0) return free + prefetch;
  // Slots are all covered: top the buffer up once it is half spent, in one larger claim
  // rather than one round trip per started job.
  if (prefetch === 0 || buffered > Math.floor(prefetch / 2)) return 0;
  return concurrency + prefetch - running - buffered;
}

/** Jobs from the buffer to start now: as many as there are free slots. */
export function startsFromBuffer(
  state: Pick<RefillState, "concurrency" | "running" | "buffered">,
): number {
  return Math.max(0, Math.min(state.buffered, state.concurrency - state.running));
}
