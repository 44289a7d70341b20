/**
 * graphile-worker on the shared PostgreSQL: a fresh schema per run. 0.18 needs Node
 * 22.18, so this is 0.17.x, which runs on Node 20 and already has the batching options.
 *
 * Speed settings from its performance page (worker.graphile.org/docs/performance):
 * `localQueue: { size: 500 }` (fetch and lock up to 500 jobs per query and hand them
 * out locally), `completeJobBatchDelay: 0` and `failJobBatchDelay: 0` (complete/fail in
 * batches), `addJobs()` for batches, pool size concurrency + 1. It deletes completed
 * jobs: compare it with Errand's `keepCompleted: 0` variant.
 */
import {
  Logger,
  makeWorkerUtils,
  run,
  runMigrations,
  type Runner,
  type WorkerUtils,
} from "graphile-worker";
import pg from "pg";

import { freshName, PG_URL } from "../servers.ts";
import { packageVersion } from "./package-version.ts";
import type { BenchClient, BenchHandlerFn, BenchJob, BenchSystem, Target } from "./types.ts";

const TASK = "noop";
const LOCAL_QUEUE_SIZE = 500;

// Only errors reach the console: the bench output stays readable.
const logger = new Logger(() => (level, message) => {
  if (level === "error") console.error(`graphile-worker: ${message}`);
});

class GraphileClient implements BenchClient {
  private runner: Runner | null = null;
  private readonly pool: pg.Pool;

  constructor(
    private readonly schema: string,
    private readonly utils: WorkerUtils,
  ) {
    this.pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  }

  async enqueue(job: BenchJob): Promise<void> {
    await this.utils.addJob(TASK, job);
  }

  async enqueueBatch(jobs: BenchJob[]): Promise<void> {
    await this.utils.addJobs(jobs.map((payload) => ({ identifier: TASK, payload })));
  }

  async startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void> {
    this.runner = await run({
      connectionString: PG_URL,
      schema: this.schema,
      concurrency,
      maxPoolSize: Math.min(concurrency + 1, 25),
      noHandleSignals: true,
      logger,
      crontab: "",
      taskList: {
        [TASK]: async (payload) => {
          handler(payload as BenchJob);
        },
      },
      preset: {
        worker: {
          localQueue: { size: LOCAL_QUEUE_SIZE },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    });
  }

  async drained(): Promise<boolean> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${this.schema}"._private_jobs`,
    );
    return rows[0]?.n === 0;
  }

  async close(): Promise<void> {
    await this.runner?.stop();
    await this.utils.release();
    await this.pool.end();
  }
}

export const graphileWorkerSystem: BenchSystem = {
  id: "graphile-worker",
  label: "graphile-worker",
  server: "postgres",
  errand: false,
  settings:
    `\`localQueue: { size: ${LOCAL_QUEUE_SIZE} }\`, \`completeJobBatchDelay: 0\`, ` +
    "`failJobBatchDelay: 0`, `addJobs()` for batches, `maxPoolSize` concurrency + 1 " +
    "(at most 25); deletes completed jobs (always)",
  version: () => packageVersion("graphile-worker"),
  async probe() {
    await import("graphile-worker");
  },
  async prepare() {
    const schema = freshName("graphile");
    await runMigrations({ connectionString: PG_URL, schema, logger });
    return { schema };
  },
  async open(target: Target) {
    const schema = String(target.schema);
    const utils = await makeWorkerUtils({ connectionString: PG_URL, schema, logger });
    return new GraphileClient(schema, utils);
  },
  async cleanup(target: Target) {
    const admin = await import("../server-admin.ts");
    await admin.dropSchema(String(target.schema));
  },
};
