/*
 * What every scenario shares: a scratch folder with the ledgers, an isolated store, a
 * producer in this process that writes each acknowledged enqueue to the ledger, worker
 * processes, and the final reckoning against the store.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

import { Errand } from "../../src/errand.ts";
import type { QueueCounts } from "../../src/job.ts";
import {
  type Classification,
  classify,
  type FinalState,
  ledgerFinalStates,
  unsettledIds,
} from "./classify.ts";
import { type LedgerEntry, LedgerWriter, readLedgers } from "./ledger.ts";
import { CHAOS_QUEUE, type ChaosWorkerConfig, type TASK } from "./messages.ts";
import { prepareTarget, type StoreKind } from "./targets.ts";
import { ChaosWorker } from "./worker-pool.ts";

export type TaskName = (typeof TASK)[keyof typeof TASK];

export interface TaskPolicy {
  attempts?: number;
  maxStalls?: number;
}

export class RunContext {
  readonly dir: string;
  readonly ledgerDir: string;
  readonly ledger: LedgerWriter;
  readonly errand: Errand;
  readonly workers: ChaosWorker[] = [];
  private incarnations = 0;
  /** Scenario 4 on SQLite: how often a freeze caught the worker inside a write. */
  sqliteFreezeRetries = 0;

  private constructor(
    readonly kind: StoreKind,
    readonly url: string,
    private readonly cleanupTarget: () => Promise<void>,
    dir: string,
    readonly path: string | undefined,
  ) {
    this.dir = dir;
    this.ledgerDir = join(dir, "ledger");
    mkdirSync(this.ledgerDir);
    this.ledger = new LedgerWriter(this.ledgerDir, "parent");
    this.errand = new Errand({ store: url, logger: false });
  }

  static open(kind: StoreKind, server?: string): RunContext {
    const dir = mkdtempSync(join(tmpdir(), `errand-chaos-${kind}-`));
    const target = prepareTarget(kind, dir, server);
    return new RunContext(kind, target.url, target.cleanup, dir, target.path);
  }

  private readonly tasks = new Map<TaskName, ReturnType<RunContext["declare"]>>();

  /** Declares `name` here once (no handler: this process only produces); the first policy holds. */
  task(name: TaskName, policy: TaskPolicy = {}) {
    let task = this.tasks.get(name);
    if (!task) this.tasks.set(name, (task = this.declare(name, policy)));
    return task;
  }

  private declare(name: TaskName, policy: TaskPolicy) {
    return this.errand.task<{ n: number }>({ name, queue: CHAOS_QUEUE, ...policy });
  }

  /** Enqueues `count` jobs in batches; every acknowledged id goes to the ledger. */
  async enqueue(
    name: TaskName,
    count: number,
    policy: TaskPolicy = {},
    options: { from?: number; delayMs?: number } = {},
  ): Promise<string[]> {
    const task = this.task(name, policy);
    const from = options.from ?? 0;
    const extra = options.delayMs === undefined ? {} : { delay: options.delayMs };
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1000) {
      const n = Math.min(1000, count - i);
      const jobs = await task.enqueueMany(
        Array.from({ length: n }, (_, k) => ({ data: { n: from + i + k }, options: extra })),
      );
      for (const job of jobs) {
        this.ledger.write({ e: "enq", id: job.id });
        ids.push(job.id);
      }
    }
    return ids;
  }

  /** Starts a worker incarnation; resolves once it claims. */
  async spawn(options: Partial<ChaosWorkerConfig> = {}, skewMs = 0): Promise<ChaosWorker> {
    const worker = new ChaosWorker(
      {
        url: this.url,
        ledgerDir: this.ledgerDir,
        tag: `w${++this.incarnations}`,
        concurrency: 8,
        leaseMs: 2000,
        workMs: 5,
        ...options,
      },
      this.ledger,
      skewMs,
    );
    this.workers.push(worker);
    await worker.ready();
    return worker;
  }

  counts(): Promise<QueueCounts> {
    return this.errand.queues.counts(CHAOS_QUEUE);
  }

  /** Polls until nothing is waiting, scheduled or active, or `timeoutMs` passes. */
  async drain(timeoutMs: number, tick?: () => Promise<void>): Promise<QueueCounts> {
    const deadline = Date.now() + timeoutMs;
    let counts = await this.counts();
    while (counts.waiting + counts.scheduled + counts.active > 0 && Date.now() < deadline) {
      await (tick ? tick() : delay(100));
      counts = await this.counts();
    }
    return counts;
  }

  entries(): LedgerEntry[] {
    return readLedgers(this.ledgerDir);
  }

  /** Reads the ledgers, asks the store about every job they leave open, and classifies. */
  async reckon(): Promise<{ result: Classification; entries: LedgerEntry[] }> {
    const entries = this.entries();
    const final: Map<string, FinalState> = ledgerFinalStates(entries);
    for (const id of unsettledIds(entries)) {
      final.set(id, (await this.errand.jobs.get(id))?.state ?? null);
    }
    return { result: classify(entries, final), entries };
  }

  /** Stops every live worker gracefully. */
  async stopAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  async close(): Promise<void> {
    for (const w of this.workers) w.dispose();
    await Promise.all(this.workers.map((w) => w.exited));
    await this.errand.close().catch(() => undefined);
    await this.cleanupTarget().catch(() => undefined);
    if (!process.env.CHAOS_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}
