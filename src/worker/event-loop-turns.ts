/**
 * Turns of the event loop for a worker whose store answers without I/O. SQLite's calls are
 * synchronous, so their promises resolve as microtasks: claim, handlers and settle then
 * follow one another without the event loop ever reaching its timers, I/O or signals,
 * and a worker draining a backlog froze its process until the backlog was empty (lease
 * heartbeats, the event publisher, an HTTP server and `close()` on SIGTERM all waited).
 * A network store yields on every round trip anyway; for it this costs a clock read.
 */
export class EventLoopTurns {
  private last = performance.now();

  constructor(
    /** Longest stretch, in ms, without giving macrotasks a turn. */
    private readonly everyMs: number,
  ) {}

  /** True when a turn is due: the caller then awaits `take()`. */
  due(): boolean {
    return performance.now() - this.last >= this.everyMs;
  }

  /** Lets timers, I/O and immediates run, then resumes. */
  async take(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
