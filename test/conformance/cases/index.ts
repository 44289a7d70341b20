import type { ConformanceCases } from "../context.ts";
import { adminCases } from "./admin.ts";
import { claimCases } from "./claim.ts";
import { enqueueCases } from "./enqueue.ts";
import { eventsCases } from "./events.ts";
import { leasesCases } from "./leases.ts";
import { retentionCases } from "./retention.ts";
import { settleCases } from "./settle.ts";
import { workerCases } from "./worker.ts";

/** Every case file of the suite; each store runs all of them. */
export const ALL_CASES: ConformanceCases[] = [
  enqueueCases,
  claimCases,
  settleCases,
  leasesCases,
  workerCases,
  adminCases,
  retentionCases,
  eventsCases,
];
