/**
 * pg-boss on the shared PostgreSQL: a fresh schema per run. pg-boss 12 needs Node 22.12
 * and 11 needs Node 22, so this is 10.x, the newest line that runs on Node 20.
 *
 * Speed settings from its docs: `insert()` for batches, and batch fetch in workers
 * (`batchSize`), with the shortest polling interval it accepts (0.5 s). pg-boss 10 has
 * no concurrency option: a `work()` loop hands its handler an array of jobs. Concurrency
 * N is one loop whose handler runs its batch with at most N jobs in flight (the batch
 * handler with `Promise.all` its docs show). The other documented way, N `work()` loops,
 * was slower here: at N = 50 the loops' concurrent fetches kept PostgreSQL busy
 * (about 1,000 jobs/s with 25 s of server CPU for 20,000 jobs, against 2,000 jobs/s for
 * one loop). Maintenance and cron (`supervise`, `schedule`) are off so they do not run
 * inside the timed windows.
 */
import PgBoss from "pg-boss";

import { freshName, PG_URL } from "../servers.ts";
import { packageVersion } from "./package-version.ts";
import type { BenchClient, BenchHandlerFn, BenchJob, BenchSystem, Target } from "./types.ts";

const QUEUE = "bench";
const BATCH_SIZE = 1000;
const POLL_SECONDS = 0.5;

function boss(schema: string): PgBoss {
  const instance = new PgBoss({
    connectionString: PG_URL,
    schema,
    supervise: false,
    schedule: false,
  });
  instance.on("error", (error) => console.error("pg-boss error:", error.message));
  return instance;
}

class PgBossClient implements BenchClient {
  constructor(private readonly boss: PgBoss) {}

  async enqueue(job: BenchJob): Promise<void> {
    await this.boss.send(QUEUE, job);
  }

  async enqueueBatch(jobs: BenchJob[]): Promise<void> {
    await this.boss.insert(jobs.map((data) => ({ name: QUEUE, data })));
  }

  async startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void> {
    const options = { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLL_SECONDS };
    await this.boss.work<BenchJob>(QUEUE, options, async (jobs) => {
      let next = 0;
      const lane = async () => {
        while (next < jobs.length) {
          const job = jobs[next++] as PgBoss.Job<BenchJob>;
          await Promise.resolve(handler(job.data));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
    });
  }

  async drained(): Promise<boolean> {
    return (await this.boss.getQueueSize(QUEUE, { before: "completed" })) === 0;
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 1_000, wait: true });
  }
}

export const pgBossSystem: BenchSystem = {
  id: "pg-boss",
  label: "pg-boss",
  server: "postgres",
  errand: false,
  settings:
    `\`insert()\` for batches; one \`work()\` loop with \`batchSize: ${BATCH_SIZE}\` and ` +
    `\`pollingIntervalSeconds: ${POLL_SECONDS}\` (its minimum) running each batch with at most ` +
    "N jobs in flight (N `work()` loops were slower at N = 50); `supervise` and `schedule` " +
    "off; completed jobs kept (default)",
  version: () => packageVersion("pg-boss"),
  async probe() {
    await import("pg-boss");
  },
  async prepare() {
    const schema = freshName("pgboss");
    const instance = boss(schema);
    await instance.start();
    await instance.createQueue(QUEUE);
    await instance.stop({ graceful: false, wait: true });
    return { schema };
  },
  async open(target: Target) {
    const instance = boss(String(target.schema));
    await instance.start();
    return new PgBossClient(instance);
  },
  async cleanup(target: Target) {
    const admin = await import("../server-admin.ts");
    await admin.dropSchema(String(target.schema));
  },
};
