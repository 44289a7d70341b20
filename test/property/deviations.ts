/**
 * Differences between a store and the model that are by design, each with the reason,
 * accepted in every run. A difference that is a defect does not belong here: it fails
 * the run until the store is fixed.
 */
export type Exception =
  /**
   * Redis: a claim over several queues cannot be one script (their keys may sit on
   * different Cluster slots), so it picks candidates first and then claims per queue
   * (src/stores/redis/claim-jobs.ts, docs/redis.md). Racing another claim, it may get
   * fewer jobs, or later ones, than one atomic step would; it never leases a job twice.
   * By design: the race check only asserts no job is leased twice and every job leased
   * was due.
   */
  "redis-multi-queue-claim-race";

const EXCEPTIONS: Record<string, readonly Exception[]> = {
  redis: ["redis-multi-queue-claim-race"],
};

/** Whether the store of this kind differs from the model by design in this way. */
export function excepts(storeKind: string, exception: Exception): boolean {
  return (EXCEPTIONS[storeKind] ?? []).includes(exception);
}
