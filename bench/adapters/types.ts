/**
 * The contract every benchmarked system implements once. The harness never touches a
 * queue library directly: it prepares a fresh namespace in the parent, opens the
 * system as a producer (parent) or a worker (child process), and cleans up after.
 */

/** Which server a system stores its jobs on; ratios compare systems on the same server. */
export type ServerKind = "sqlite" | "postgres" | "redis";

/** The payload every scenario enqueues: small, or with a timestamp and padding for latency. */
export interface BenchJob {
  /** Enqueue time, epoch milliseconds with sub-millisecond precision (latency runs). */
  t?: number;
  /** Sequence number (throughput runs). */
  n?: number;
  /** Padding that makes the 4 KB payload. */
  pad?: string;
}

/** Called by the worker for every job it runs. Synchronous: the jobs are no-ops. */
export type BenchHandlerFn = (job: BenchJob) => void;

/** Whatever a system needs to find its namespace again in another process. JSON only. */
export type Target = Record<string, string | number | boolean>;

/** One open connection to a system, on the producer or the worker side. */
export interface BenchClient {
  /** Enqueues one job and resolves once the system acknowledged it. */
  enqueue(job: BenchJob): Promise<void>;
  /** Enqueues many jobs with the system's batch API, in one call. */
  enqueueBatch(jobs: BenchJob[]): Promise<void>;
  /** Starts processing with `concurrency` handlers in flight at most. */
  startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void>;
  /** True once the store holds no waiting, scheduled or active job of this namespace. */
  drained(): Promise<boolean>;
  /** Stops the worker (if any) and releases every connection. */
  close(): Promise<void>;
}

/** A system under test: how to make, open and clean up a fresh namespace. */
export interface BenchSystem {
  /** Stable id used on the command line and in results, e.g. `bullmq`. */
  id: string;
  /** Name shown in tables. */
  label: string;
  server: ServerKind;
  /** Errand or one of the peers it is compared with. */
  errand: boolean;
  /** Scenario ids this system runs; every scenario when left out. */
  scenarios?: readonly string[];
  /** The speed-related settings used, for the report. */
  settings: string;
  /** Library version, for the report. */
  version(): string;
  /** Throws with a reason when the system cannot run here (not installed, store not released). */
  probe(): Promise<void>;
  /** Creates a fresh, empty namespace (queue name, schema, file) and returns how to reach it. */
  prepare(): Promise<Target>;
  /** Opens the namespace; `worker` clients may start a worker. */
  open(target: Target, role: "producer" | "worker"): Promise<BenchClient>;
  /** Removes everything `prepare` and the runs created. */
  cleanup(target: Target): Promise<void>;
}
