import { ConfigError } from "../errors.ts";
import { type Duration, toMs } from "../policy/durations.ts";
import { isName } from "../task-options.ts";

/** Options of `errand.work()`. */
export interface WorkOptions {
  /** Queues to take jobs from. Default: every queue that has a handler in this process. */
  queues?: string[];
  /** Jobs in flight in this process. Default 10. */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots and held leased in a local buffer, so a busy worker
   * fetches many jobs per round trip. Buffered jobs count as `active` in the store and
   * are handed back at once on `close()`. Ignored while a task here has flow-control
   * limits. Default 0.
   */
  prefetch?: number;
  /** How long a claimed job stays leased without a heartbeat. Default `"30s"`. */
  lease?: Duration;
  /** The safety-net poll when no wake-up arrives. Default `"1s"`. */
  pollInterval?: Duration;
  /** How often this worker looks for jobs whose worker was lost. Default `"1s"`. */
  rescueInterval?: Duration;
  /** How often this worker prunes finished jobs past retention. Default `"1m"`. */
  pruneInterval?: Duration;
}

/** Worker options checked and converted to milliseconds. */
export interface ResolvedWorkOptions {
  queues: string[];
  concurrency: number;
  prefetch: number;
  leaseMs: number;
  pollMs: number;
  rescueMs: number;
  pruneMs: number;
}

/** A buffer larger than this holds leases no worker could start before they need renewing. */
const MAX_PREFETCH = 10_000;

const KEYS = new Set([
  "queues",
  "concurrency",
  "prefetch",
  "lease",
  "pollInterval",
  "rescueInterval",
  "pruneInterval",
]);

/** Checks `work()` options; `handlerQueues` are the queues of tasks with handlers here. */
export function resolveWorkOptions(
  options: WorkOptions,
  handlerQueues: string[],
): ResolvedWorkOptions {
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigError(`work(): unknown option "${key}".`);
  }
  const queues = options.queues ?? handlerQueues;
  if (!Array.isArray(queues) || queues.length === 0 || !queues.every(isName)) {
    throw new ConfigError(
      options.queues === undefined
        ? "work(): no task here has a handler, so there is nothing to work; declare tasks with a handler or pass queues."
        : "work(): queues must be a non-empty array of queue names.",
    );
  }
  const concurrency = options.concurrency ?? 10;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(
      `work(): concurrency must be a whole number of 1 or more, got ${String(concurrency)}.`,
    );
  }
  // Only a missing option takes the default: null is a mistake to report, not "unset".
  const prefetch = options.prefetch === undefined ? 0 : options.prefetch;
  if (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > MAX_PREFETCH) {
    throw new ConfigError(
      `work(): prefetch must be a whole number from 0 to ${MAX_PREFETCH}, got ${String(prefetch)}.`,
    );
  }
  const positive = (value: Duration | undefined, fallback: Duration, what: string): number => {
    const ms = toMs(value ?? fallback, `work(): ${what}`);
    if (ms <= 0) throw new ConfigError(`work(): ${what} must be more than zero.`);
    return ms;
  };
  return {
    queues: [...new Set(queues)],
    concurrency,
    prefetch,
    leaseMs: positive(options.lease, "30s", "lease"),
    pollMs: positive(options.pollInterval, "1s", "pollInterval"),
    rescueMs: positive(options.rescueInterval, "1s", "rescueInterval"),
    pruneMs: positive(options.pruneInterval, "1m", "pruneInterval"),
  };
}
