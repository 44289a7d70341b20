import type { NewJob } from "../../src/stores/contract.ts";

/**
 * A job as the runtime hands it to `Store.enqueue`, with the defaults of a plain task
 * (no delay, key, group or window; 3 attempts and 3 stalls), for tests that call a store
 * directly.
 */
export function newJob(options: Partial<NewJob> = {}): NewJob {
  return {
    name: "t",
    queue: "default",
    data: "null",
    priority: 0,
    runAt: null,
    delayMs: 0,
    attempts: 3,
    maxStalls: 3,
    key: null,
    group: null,
    debounceMs: null,
    throttleMs: null,
    ...options,
  };
}
