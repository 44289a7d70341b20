import type { Clock } from "./clock.ts";
import { JobFailedError, TimeoutError, ValidationError } from "./errors.ts";
import type { EventBus } from "./events.ts";
import type { JobError } from "./job.ts";
import { type Duration, toMs } from "./policy/durations.ts";
import { decodeJson } from "./policy/payload.ts";
import type { JobRecord, Store } from "./stores/contract.ts";

/** What waiting for a result needs. */
export interface WaitDeps {
  store: () => Promise<Store>;
  events: EventBus;
  clock: Clock;
}

/** How often the job is read again, in case an event was missed (another process crashed before publishing). */
const RECHECK_MS = 1_000;

function decodeOrNull(text: string | null): unknown {
  try {
    return decodeJson(text);
  } catch {
    return null;
  }
}

function outcome(
  record: JobRecord | null,
  id: string,
): { done: true; value: unknown } | { done: false } {
  if (record === null)
    throw new JobFailedError(
      id,
      "removed",
      `Job ${id} does not exist (it was removed or never created).`,
    );
  if (record.state === "completed") {
    try {
      return { done: true, value: decodeJson(record.result) };
    } catch (error) {
      throw new ValidationError(`Job ${id} completed, but its stored result is not JSON.`, [], {
        cause: error,
      });
    }
  }
  if (record.state === "dead" || record.state === "cancelled") {
    const error = decodeOrNull(record.error) as JobError | null;
    const why =
      record.state === "cancelled"
        ? "was cancelled"
        : `is dead: ${error?.message ?? "no error recorded"}`;
    throw new JobFailedError(id, record.state, `Job ${id} (${record.name}) ${why}`, {
      cause: error,
    });
  }
  return { done: false };
}

/**
 * Waits until a job completes and returns its decoded result, or throws JobFailedError
 * (dead, cancelled, removed) or TimeoutError. Listens for the job's events and also
 * re-reads the job now and then, so a missed event only delays the answer.
 */
export function waitForResult(
  deps: WaitDeps,
  id: string,
  timeout: Duration | undefined,
): Promise<unknown> {
  const timeoutMs = timeout === undefined ? null : toMs(timeout, "result(): timeout");
  return new Promise((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      unlisten();
      for (const t of timers) clearTimeout(t);
      fn();
    };
    const check = async (): Promise<void> => {
      try {
        const now = deps.clock.storeNow();
        const [record] = await (
          await deps.store()
        ).get({ ids: [id], ...(now === undefined ? {} : { now }) });
        const result = outcome(record ?? null, id);
        if (result.done) finish(() => resolve(result.value));
        else if (!settled) timers.push(setTimeout(() => void check(), RECHECK_MS));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const unlisten = deps.events.listen((event) => {
      if (event.jobId !== id) return;
      if (event.type === "completed" || event.type === "dead" || event.type === "cancelled")
        void check();
    });
    if (timeoutMs !== null) {
      timers.push(
        setTimeout(
          () =>
            finish(() =>
              reject(new TimeoutError(`Job ${id} did not finish within ${timeoutMs} ms.`)),
            ),
          timeoutMs,
        ),
      );
    }
    void check();
  });
}
