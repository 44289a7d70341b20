/** How a chaos worker process is set up; passed as JSON in its first argument. */
export interface ChaosWorkerConfig {
  url: string;
  ledgerDir: string;
  /** This incarnation's name in the ledger. */
  tag: string;
  concurrency: number;
  leaseMs: number;
  /** Handler time per job, ms (varied by up to +50% so jobs finish out of step). */
  workMs: number;
  /** Default 1000 ms. */
  rescueMs?: number;
}

/** What a chaos worker tells its parent. */
export type ChaosChildMessage = { type: "ready" } | { type: "stopped" };

/** What the parent asks a chaos worker. */
export type ChaosParentMessage = { type: "stop" };

/** The tasks every chaos worker can run, all on one queue. */
export const CHAOS_QUEUE = "chaos";
export const TASK = {
  /** Sleeps `workMs`, returns. */
  job: "chaos.job",
  /** Always throws. */
  poison: "chaos.poison",
  /** SIGKILLs its own process. */
  suicide: "chaos.suicide",
} as const;
