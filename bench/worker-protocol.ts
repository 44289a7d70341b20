/** Messages between the harness and a worker process. */
import type { Target } from "./adapters/types.ts";

/** What the worker process is asked to do. */
export interface WorkerInit {
  type: "init";
  systemId: string;
  target: Target;
  concurrency: number;
  /** `backlog`: time the drain of `expected` jobs; `latency`: record each job's pickup delay. */
  mode: "backlog" | "latency";
  expected: number;
  /** Warm-up jobs (payload `n: -1`) handled before the measured ones; latency mode only. */
  warmup: number;
  /** Backlog mode: report what was handled after this long, even if jobs are left. */
  maxMs: number;
}

export type ToWorker = WorkerInit | { type: "start" } | { type: "stop" };

/** What a worker process reports once its measured jobs are done. */
export interface WorkerDone {
  type: "done";
  /** When the first measured job's handler started, epoch ms. */
  firstStart: number;
  /** When the last measured job was handled and (backlog) the store showed none left. */
  end: number;
  /** Measured jobs handled: `expected`, or fewer when `maxMs` ran out first. */
  handled: number;
  /** Node CPU seconds this process used between `start` and `done`. */
  cpuSeconds: number;
  /** Resident set size right after the measured jobs, bytes. */
  rss: number;
  /** Pickup delays in ms (latency mode), in arrival order. */
  latencies: number[];
}

export type FromWorker =
  | { type: "ready" }
  | { type: "started" }
  | { type: "warmed" }
  | WorkerDone
  | { type: "error"; message: string }
  | { type: "closed" };
