/**
 * One run of a handler, and the ways it can be cut short (timeout, cancel, lost lease,
 * shutdown). The AbortController behind `ctx.signal` is made only when something needs
 * it: most handlers never read the signal and most attempts are never aborted, and at
 * thousands of jobs a second the controller, its listener and a `Promise.race` per job
 * are a measurable share of the worker's time.
 */
export class Attempt {
  private controller: AbortController | null = null;
  private reason: unknown = undefined;
  private stop: ((reason: unknown) => void) | null = null;
  aborted = false;

  /** The signal the handler sees; made on first read, already aborted if the attempt was. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Cuts the attempt short: the signal aborts with `reason` and the wait for the handler ends. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const stop = this.stop;
    this.stop = null;
    stop?.(reason);
  }

  /**
   * Calls `handler(a, b)` (arguments, not a closure: this runs once per job) and waits for what it returns, or rejects with the abort reason as
   * soon as the attempt is aborted (the handler may go on; what it returns later is
   * ignored). A handler that returns a plain value costs no extra promise.
   */
  run<A, B, T>(handler: (a: A, b: B) => T | PromiseLike<T>, a?: A, b?: B): Promise<T> | T {
    if (this.aborted) throw this.reason;
    const value = handler(a as A, b as B);
    if (!isThenable(value)) return value;
    return new Promise<T>((resolve, reject) => {
      this.stop = reject;
      value.then(
        (result) => {
          this.stop = null;
          resolve(result);
        },
        (error: unknown) => {
          this.stop = null;
          reject(error);
        },
      );
    });
  }

  /** Aborts the attempt with `makeReason()` after `ms`; returns what cancels the timer. */
  timeout(ms: number, makeReason: () => Error): () => void {
    const timer = setTimeout(() => this.abort(makeReason()), ms);
    return () => clearTimeout(timer);
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
