import type { Errand } from "../errand.ts";
import { FINISHED_STATES } from "../job.ts";
import type { RawJob } from "../stores/contract.ts";

/**
 * Seeds jobs in any state straight into the store, skipping validation and dedupe, so a
 * test starts from the situation it is about instead of walking the state machine there.
 * Times left out are taken from the Errand's clock (a `TestClock` when the test uses
 * one), so a seeded `waiting` job is due at the test's now.
 */
export async function insertRaw(errand: Errand, jobs: RawJob[]): Promise<string[]> {
  const now = errand.clock.now();
  const withTimes = jobs.map((job) => {
    const finished = (FINISHED_STATES as readonly string[]).includes(job.state);
    return {
      ...job,
      createdAt: job.createdAt ?? now,
      runAt: job.runAt ?? now,
      ...(job.state === "active"
        ? { startedAt: job.startedAt ?? now, leaseExpiresAt: job.leaseExpiresAt ?? now + 30_000 }
        : {}),
      ...(finished ? { finishedAt: job.finishedAt ?? now } : {}),
    };
  });
  return (await errand.store()).insertRaw(withTimes);
}
