import type { Errand } from "../errand.ts";
import type { RawJob } from "../stores/contract.ts";

/**
 * Seeds jobs in any state straight into the store, skipping validation and dedupe, so a
 * test starts from the situation it is about instead of walking the state machine there.
 */
export async function insertRaw(errand: Errand, jobs: RawJob[]): Promise<string[]> {
  return (await errand.store()).insertRaw(jobs);
}
