/* The sizes of every scenario: the short form for `npm run test:chaos`, the full one for `npm run chaos`. */
import type { FencingOptions } from "./scenarios/fencing.ts";
import type { PoisonOptions } from "./scenarios/poison.ts";
import type { StoreCrashOptions } from "./scenarios/store-crashes.ts";
import type { WorkerCrashOptions } from "./scenarios/worker-crashes.ts";

export interface Sizes {
  workerCrashes: WorkerCrashOptions;
  noFaults: { jobs: number; processes: number; concurrency: number; timeoutMs: number };
  storeCrashes: StoreCrashOptions;
  fencing: FencingOptions;
  poison: PoisonOptions;
  clockSkew: { longJobs: number; delayedJobs: number; delayMs: number; timeoutMs: number };
}

export const SHORT: Sizes = {
  workerCrashes: {
    jobs: 3000,
    processes: 4,
    concurrency: 8,
    killEveryMs: [300, 1000],
    leaseMs: 2000,
    workMs: 30,
    timeoutMs: 60_000,
  },
  noFaults: { jobs: 2000, processes: 3, concurrency: 8, timeoutMs: 60_000 },
  storeCrashes: { jobs: 1500, downMs: [1500, 6000], sqliteKills: 10, timeoutMs: 60_000 },
  fencing: { jobs: 10, rounds: 1, raceJobs: 50, raceRounds: 4 },
  poison: {
    jobs: 600,
    ratePerSec: 200,
    poisonEvery: 50,
    attempts: 3,
    maxStalls: 2,
    timeoutMs: 30_000,
  },
  clockSkew: { longJobs: 8, delayedJobs: 100, delayMs: 2000, timeoutMs: 30_000 },
};

export const FULL: Sizes = {
  workerCrashes: {
    jobs: 100_000,
    processes: 4,
    concurrency: 8,
    killEveryMs: [1000, 5000],
    leaseMs: 5000,
    workMs: 10,
    timeoutMs: 3_600_000,
  },
  noFaults: { jobs: 1_000_000, processes: 4, concurrency: 16, timeoutMs: 7_200_000 },
  storeCrashes: {
    jobs: 20_000,
    downMs: [1500, 3000, 6000, 1500, 10_000],
    sqliteKills: 50,
    timeoutMs: 600_000,
  },
  fencing: { jobs: 100, rounds: 10, raceJobs: 200, raceRounds: 20 },
  poison: {
    jobs: 5000,
    ratePerSec: 300,
    poisonEvery: 50,
    attempts: 3,
    maxStalls: 3,
    timeoutMs: 120_000,
  },
  clockSkew: { longJobs: 16, delayedJobs: 1000, delayMs: 3000, timeoutMs: 120_000 },
};
