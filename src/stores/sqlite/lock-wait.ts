/**
 * Waiting for another process's write lock, in steps a commit's length apart.
 *
 * SQLite's own busy handler (what `busy_timeout` installs) sleeps 1, 2, 5, 10, 15, 20,
 * 25 … ms between tries. A write here holds the lock for a fraction of a millisecond,
 * so a claim that meets the producer's enqueue waited 1–8 ms for a lock that was free
 * after 0.2: that was most of SQLite's pickup-latency tail. The store turns SQLite's
 * handler off and retries a whole transaction itself, after pauses from 50 µs doubling
 * to at most 1 ms, up to the same timeout. Like SQLite's handler it waits synchronously
 * (better-sqlite3 runs every statement on the calling thread); the thread sleeps, it
 * does not spin.
 */

const FIRST_PAUSE_MS = 0.05;
const LONGEST_PAUSE_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** True for SQLite's "another connection holds the lock" failures (SQLITE_BUSY and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * Runs `attempt` until it does not fail busy, or rethrows once `timeoutMs` has passed.
 * `attempt` must leave nothing behind when it fails (a transaction that rolled back).
 */
export function retryWhileBusy<T>(attempt: () => T, timeoutMs: number): T {
  let deadline = 0;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const now = performance.now();
      if (deadline === 0) deadline = now + timeoutMs;
      if (now >= deadline) throw error;
      Atomics.wait(sleeper, 0, 0, Math.min(pause, deadline - now));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}
