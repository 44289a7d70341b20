export { TestClock } from "./test-clock.ts";
export { waitForJob } from "./wait-for-job.ts";
export { insertRaw } from "./insert-raw.ts";
export type { RawJob } from "../stores/contract.ts";
