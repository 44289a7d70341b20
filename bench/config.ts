/** Scenario sizes for the full run and for the `--quick` smoke run. */

export interface Sizes {
  /** Jobs enqueued one at a time, each awaited (scenario 1). */
  single: number;
  /** Scenario 1 stops early after this many seconds (slow commits would make it take minutes). */
  singleMaxSeconds: number;
  /** Jobs enqueued in batches (scenario 2), and the batch size. */
  bulk: number;
  batch: number;
  /** Jobs in the backlog a worker process drains (scenario 3). */
  backlog: number;
  /** Scenario 3 stops early after this many seconds; the rate is then over the jobs handled. */
  backlogMaxSeconds: number;
  /** Worker concurrency of the latency runs. */
  latencyConcurrency: number;
  /** Steady enqueue rate (jobs/s) and duration (s) of the latency runs (scenarios 4 and 5). */
  rate: number;
  seconds: number;
  /** Warm-up jobs before a latency run's measured ones. */
  warmup: number;
  /** Padding of the large payload, in bytes (scenario 5). */
  largePayload: number;
  /** Rounds; results are medians with min–max. */
  rounds: number;
  /** Longest any one run may take before it is recorded as failed. */
  runTimeoutMs: number;
}

export const FULL: Sizes = {
  single: 20_000,
  singleMaxSeconds: 10,
  bulk: 20_000,
  batch: 1_000,
  backlog: 20_000,
  backlogMaxSeconds: 15,
  latencyConcurrency: 50,
  rate: 200,
  seconds: 10,
  warmup: 20,
  largePayload: 4_096,
  rounds: 3,
  runTimeoutMs: 120_000,
};

export const QUICK: Sizes = {
  single: 100,
  singleMaxSeconds: 5,
  bulk: 400,
  batch: 100,
  backlog: 300,
  backlogMaxSeconds: 10,
  latencyConcurrency: 10,
  rate: 100,
  seconds: 0.3,
  warmup: 3,
  largePayload: 4_096,
  rounds: 1,
  runTimeoutMs: 20_000,
};

/** The scenarios, in the order they run and are reported. */
export const SCENARIOS = [
  "enqueue-single",
  "enqueue-bulk",
  "backlog-c1",
  "backlog-c50",
  "latency",
  "latency-4k",
] as const;

export type ScenarioId = (typeof SCENARIOS)[number];

/** The smoke run's scenarios: every code path once (c=1 and small payloads differ only in numbers). */
export const QUICK_SCENARIOS: readonly ScenarioId[] = [
  "enqueue-single",
  "enqueue-bulk",
  "backlog-c50",
  "latency-4k",
];
