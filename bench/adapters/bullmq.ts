/**
 * BullMQ on the shared Redis: a fresh key prefix per run. Speed settings from its docs:
 * `addBulk` for batches (one pipelined MULTI) and the worker's `concurrency` option.
 * Completed jobs are kept (its default), as Errand keeps them by default.
 */
import { Queue, Worker } from "bullmq";

import { freshName, redisEndpoint } from "../servers.ts";
import { packageVersion } from "./package-version.ts";
import type { BenchClient, BenchHandlerFn, BenchJob, BenchSystem, Target } from "./types.ts";

const QUEUE = "bench";
const JOB = "noop";

class BullmqClient implements BenchClient {
  private worker: Worker | null = null;
  private readonly queue: Queue;

  constructor(private readonly prefix: string) {
    this.queue = new Queue(QUEUE, { connection: redisEndpoint(), prefix });
  }

  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  async enqueue(job: BenchJob): Promise<void> {
    await this.queue.add(JOB, job);
  }

  async enqueueBatch(jobs: BenchJob[]): Promise<void> {
    await this.queue.addBulk(jobs.map((data) => ({ name: JOB, data })));
  }

  async startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void> {
    this.worker = new Worker<BenchJob>(
      QUEUE,
      async (job) => {
        handler(job.data);
      },
      { connection: redisEndpoint(), prefix: this.prefix, concurrency, autorun: false },
    );
    this.worker.on("error", (error) => console.error("bullmq worker error:", error.message));
    await this.worker.waitUntilReady();
    void this.worker.run();
  }

  async drained(): Promise<boolean> {
    const counts = await this.queue.getJobCounts("wait", "active", "delayed", "prioritized");
    return Object.values(counts).every((n) => n === 0);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

export const bullmqSystem: BenchSystem = {
  id: "bullmq",
  label: "BullMQ",
  server: "redis",
  errand: false,
  settings:
    "`Queue.addBulk` for batches; `Worker` with `concurrency` as the scenario says " +
    "(other options default: completed jobs kept, lock 30 s, stalled check 30 s)",
  version: () => packageVersion("bullmq"),
  async probe() {
    await import("bullmq");
  },
  async prepare() {
    return { prefix: freshName("bullmq") };
  },
  async open(target: Target) {
    const client = new BullmqClient(String(target.prefix));
    await client.ready();
    return client;
  },
  async cleanup(target: Target) {
    const admin = await import("../server-admin.ts");
    await admin.deleteKeys(String(target.prefix));
  },
};
