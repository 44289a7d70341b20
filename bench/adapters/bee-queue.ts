/**
 * bee-queue on the shared Redis: a fresh key prefix per run. Speed settings from its
 * README: `saveAll` for batches (one pipelined round trip), `process(concurrency, …)`,
 * and the settings it recommends turning off when unused (`getEvents`, `sendEvents`,
 * `storeJobs`; `isWorker: false` on the producer). Succeeded jobs are kept (its default).
 */
import BeeQueue from "bee-queue";

import { freshName, redisEndpoint } from "../servers.ts";
import { packageVersion } from "./package-version.ts";
import type { BenchClient, BenchHandlerFn, BenchJob, BenchSystem, Target } from "./types.ts";

const QUEUE = "bench";

class BeeQueueClient implements BenchClient {
  constructor(private readonly queue: BeeQueue<BenchJob>) {}

  async enqueue(job: BenchJob): Promise<void> {
    await this.queue.createJob(job).save();
  }

  async enqueueBatch(jobs: BenchJob[]): Promise<void> {
    const errors = await this.queue.saveAll(jobs.map((job) => this.queue.createJob(job)));
    if (errors.size > 0) throw [...errors.values()][0];
  }

  async startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void> {
    this.queue.process(concurrency, async (job: BeeQueue.Job<BenchJob>) => {
      handler(job.data);
    });
  }

  async drained(): Promise<boolean> {
    const health = await this.queue.checkHealth();
    return health.waiting + health.active + health.delayed === 0;
  }

  async close(): Promise<void> {
    await this.queue.close(5_000);
  }
}

export const beeQueueSystem: BenchSystem = {
  id: "bee-queue",
  label: "bee-queue",
  server: "redis",
  errand: false,
  settings:
    "`saveAll` for batches; `process(concurrency)`; `getEvents`, `sendEvents` and " +
    "`storeJobs` off, producer `isWorker: false` (its README's advice when unused); " +
    "succeeded jobs kept (default)",
  version: () => packageVersion("bee-queue"),
  async probe() {
    await import("bee-queue");
  },
  async prepare() {
    return { prefix: freshName("bee") };
  },
  async open(target: Target, role) {
    const queue = new BeeQueue<BenchJob>(QUEUE, {
      prefix: String(target.prefix),
      redis: redisEndpoint(),
      isWorker: role === "worker",
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
    });
    await queue.ready();
    return new BeeQueueClient(queue);
  },
  async cleanup(target: Target) {
    const admin = await import("../server-admin.ts");
    await admin.deleteKeys(String(target.prefix));
  },
};
