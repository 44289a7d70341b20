import type { ConformanceCases } from "../context.ts";
import { adminCases } from "./admin.ts";
import { claimCases } from "./claim.ts";
import { debounceCases } from "./debounce.ts";
import { enqueueCases } from "./enqueue.ts";
import { eventsCases } from "./events.ts";
import { fairnessCases } from "./fairness.ts";
import { flowLimitsCases } from "./flow-limits.ts";
import { inputLimitsCases } from "./input-limits.ts";
import { leasesCases } from "./leases.ts";
import { pauseTaskCases } from "./pause-task.ts";
import { prefetchCases } from "./prefetch.ts";
import { rateLimitedCases } from "./rate-limited.ts";
import { retentionCases } from "./retention.ts";
import { schedulesCases } from "./schedules.ts";
import { settleCases } from "./settle.ts";
import { stalledAloneCases } from "./stalled-alone.ts";
import { workerCases } from "./worker.ts";

/** Every case file of the suite; each store runs all of them. */
export const ALL_CASES: ConformanceCases[] = [
  enqueueCases,
  claimCases,
  settleCases,
  leasesCases,
  workerCases,
  prefetchCases,
  stalledAloneCases,
  adminCases,
  retentionCases,
  eventsCases,
  flowLimitsCases,
  fairnessCases,
  debounceCases,
  pauseTaskCases,
  rateLimitedCases,
  schedulesCases,
  inputLimitsCases,
];
