import type { Errand } from "../errand.ts";
import { TimeoutError } from "../errors.ts";
import type { JobInfo, JobState } from "../job.ts";
import { type Duration, toMs } from "../policy/durations.ts";

/**
 * Resolves with the job once it is in one of `states` (default: any finished state),
 * re-reading it on every event about it and every `interval`. Rejects with TimeoutError.
 */
export async function waitForJob(
  errand: Errand,
  id: string,
  options: { states?: JobState[]; timeout?: Duration; interval?: Duration } = {},
): Promise<JobInfo> {
  const states = options.states ?? ["completed", "dead", "cancelled"];
  const deadline = Date.now() + toMs(options.timeout ?? "10s", "timeout");
  const interval = toMs(options.interval ?? "20ms", "interval");
  for (;;) {
    const job = await errand.jobs.get(id);
    if (job && states.includes(job.state)) return job;
    if (Date.now() > deadline) {
      throw new TimeoutError(
        `Job ${id} did not reach ${states.join("/")} in time; it is ${job?.state ?? "missing"}.`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
