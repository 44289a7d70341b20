/**
 * Where the runtime gets the time it passes to the store. The system clock passes
 * nothing, so the store's own clock decides (rule 4 of the architecture); a test clock
 * passes its own time, so tests move time instead of sleeping.
 */
export interface Clock {
  /** The `now` to pass to store calls, or undefined to let the store use its clock. */
  storeNow(): number | undefined;
  /** This process's idea of now, for event timestamps and local waits. */
  now(): number;
  /**
   * Calls `listener` whenever the clock is moved by hand, so idle workers look for jobs
   * that just became due instead of sleeping out their poll. Only test clocks move.
   */
  onMove?(listener: () => void): () => void;
}

/** The default clock: the store decides. */
export const systemClock: Clock = {
  storeNow: () => undefined,
  now: () => Date.now(),
};
