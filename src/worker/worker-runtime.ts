import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

import type { Clock } from "../clock.ts";
import { CancelledError, ShutdownError } from "../errors.ts";
import type { EventBus } from "../events.ts";
import { errorMessage, type Logger } from "../logger.ts";
import { type Duration, toMs } from "../policy/durations.ts";
import { removeOnFinish, type ResolvedRetention } from "../policy/retention.ts";
import { retryDelay } from "../policy/retry-delay.ts";
import type { ClaimedJob, Outcome, Store, StoreEvent } from "../stores/contract.ts";
import type { TaskDefinition } from "../task-options.ts";
import { LeaseKeeper } from "./lease-keeper.ts";
import { Maintenance } from "./maintenance.ts";
import { runJob, shutdownReason } from "./run-job.ts";
import { Settler } from "./settler.ts";
import type { ResolvedWorkOptions } from "./worker-options.ts";

/** What a worker needs from the Errand that started it. */
export interface WorkerDeps {
  store: Store;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  tasks: ReadonlyMap<string, TaskDefinition>;
  maxPayloadBytes: number;
  keepCompleted: ResolvedRetention;
  keepDead: ResolvedRetention;
}

interface Running {
  job: ClaimedJob;
  controller: AbortController;
  handedBack: boolean;
  logWrites: Promise<unknown>[];
}

/**
 * A worker's machinery once its store is open: claims jobs in batches up to its free
 * slots, runs them, keeps their leases, settles them in groups, and on `close` hands
 * back what it could not finish.
 */
export class WorkerRuntime {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  private readonly leases: LeaseKeeper;
  private readonly settler: Settler;
  private readonly maintenance: Maintenance;
  private readonly unlisten: () => void;
  private readonly loopDone: Promise<void>;
  private stopping = false;
  private closing: Promise<void> | null = null;
  private woken = false;
  private wake: (() => void) | null = null;
  private slotFreed: (() => void) | null = null;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: ResolvedWorkOptions,
  ) {
    const { store, clock, logger } = deps;
    this.leases = new LeaseKeeper(store, clock, options.leaseMs, logger, (id) =>
      this.abort(id, new ShutdownError("The job's lease was lost; another worker may run it.")),
    );
    this.settler = new Settler(store, clock, logger);
    this.maintenance = new Maintenance(store, clock, deps.events, logger, {
      queues: options.queues,
      rescueEveryMs: options.rescueMs,
      pruneEveryMs: options.pruneMs,
      keepCompleted: deps.keepCompleted,
      keepDead: deps.keepDead,
    });
    const unlistenEvents = deps.events.listen((event) => this.onEvent(event));
    const unlistenClock = deps.clock.onMove?.(() => this.lookAgain());
    this.unlisten = () => {
      unlistenEvents();
      unlistenClock?.();
    };
    this.leases.start();
    this.maintenance.start();
    this.loopDone = this.loop();
  }

  /** Jobs running in this worker now. */
  get active(): number {
    return this.running.size;
  }

  /** Runs the chores now (rescue expired leases, prune), for tests and tools. */
  async runMaintenance(): Promise<void> {
    await this.maintenance.rescue();
    await this.maintenance.prune();
  }

  /**
   * Stops claiming, waits up to `grace` (default 10 s) for running jobs, then aborts the
   * rest and hands them back to `waiting` at once, spending none of their attempts.
   */
  close(options: { grace?: Duration } = {}): Promise<void> {
    this.closing ??= this.shutdown(toMs(options.grace ?? "10s", "close(): grace"));
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.loopDone;
    if (this.running.size > 0 && graceMs > 0) await this.waitForDrain(graceMs);
    const runs = [...this.running.values()];
    for (const run of runs) {
      run.handedBack = true;
      this.leases.untrack(run.job.id);
      run.controller.abort(shutdownReason());
    }
    const applied = await Promise.all(
      runs.map((run) =>
        this.settler.settle({ kind: "release", id: run.job.id, token: run.job.token }),
      ),
    );
    const handedBack = runs
      .filter((_, i) => applied[i])
      .map((run) => this.event(run.job, "enqueued", {}));
    if (handedBack.length > 0) {
      this.deps.logger.info("handed unfinished jobs back", { count: handedBack.length });
      this.deps.events.emit(handedBack);
    }
    this.running.clear();
    await this.settler.drain();
    this.leases.stop();
    await this.maintenance.stop();
    this.unlisten();
  }

  private waitForDrain(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      const check = (): void => {
        if (this.running.size === 0) {
          clearTimeout(timer);
          resolve();
        } else this.slotFreed = check;
      };
      check();
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.options.concurrency - this.running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      this.woken = false;
      let claimed: Awaited<ReturnType<Store["claim"]>>;
      try {
        const now = this.deps.clock.storeNow();
        claimed = await this.deps.store.claim({
          queues: this.options.queues,
          limit: free,
          leaseMs: this.options.leaseMs,
          workerId: this.id,
          ...(now === undefined ? {} : { now }),
        });
        failures = 0;
      } catch (error) {
        this.deps.logger.warn("claiming jobs failed; backing off", { error: errorMessage(error) });
        await this.sleep(retryDelay(failures++));
        continue;
      }
      for (const job of claimed.jobs) this.start(job);
      if (claimed.jobs.length < free && !this.woken) {
        const due = claimed.nextDueInMs ?? Number.POSITIVE_INFINITY;
        await this.sleep(Math.min(this.options.pollMs, due + 1));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private wakeUp(): void {
    this.woken = true;
    this.wake?.();
    const freed = this.slotFreed;
    this.slotFreed = null;
    freed?.();
  }

  /** Ends an idle wait so the loop claims again now. */
  private lookAgain(): void {
    this.woken = true;
    this.wake?.();
  }

  private onEvent(event: StoreEvent): void {
    if (event.type === "enqueued" && this.options.queues.includes(event.queue)) {
      this.lookAgain();
    } else if (event.type === "cancelled") {
      this.abort(event.jobId, new CancelledError());
    }
  }

  private abort(id: string, reason: Error): void {
    this.running.get(id)?.controller.abort(reason);
  }

  private start(job: ClaimedJob): void {
    const run: Running = {
      job,
      controller: new AbortController(),
      handedBack: false,
      logWrites: [],
    };
    this.running.set(job.id, run);
    this.leases.track(job.id, job.token);
    this.deps.events.emit([this.event(job, "started", { attempt: job.attempt })]);
    void this.execute(run);
  }

  private async execute(run: Running): Promise<void> {
    const { job } = run;
    const outcome = await runJob(job, run.controller, {
      task: this.deps.tasks.get(job.name) ?? null,
      maxPayloadBytes: this.deps.maxPayloadBytes,
      removeOnComplete: removeOnFinish(this.deps.keepCompleted),
      progress: (j, encoded) => this.progress(j, encoded),
      log: (j, message) => {
        // One line at a time per job: parallel writes on a pooled store could land out of order.
        const previous = run.logWrites[run.logWrites.length - 1] ?? Promise.resolve();
        run.logWrites.push(previous.then(() => this.log(j, message)));
      },
    });
    if (run.handedBack) return;
    await Promise.allSettled(run.logWrites);
    this.leases.untrack(job.id);
    const applied = await this.settler.settle(outcome);
    if (applied) this.deps.events.emit([this.outcomeEvent(job, outcome)]);
    else
      this.deps.logger.debug(
        "a finished job's lease was no longer held; its outcome was discarded",
        { jobId: job.id },
      );
    this.running.delete(job.id);
    const freed = this.slotFreed;
    this.slotFreed = null;
    freed?.();
  }

  private async progress(job: ClaimedJob, encoded: string): Promise<void> {
    const [applied] = await this.deps.store.progress({
      updates: [{ id: job.id, token: job.token, progress: encoded }],
    });
    if (applied) this.deps.events.emit([this.event(job, "progress", { progress: encoded })]);
  }

  private async log(job: ClaimedJob, message: string): Promise<void> {
    try {
      const now = this.deps.clock.storeNow();
      await this.deps.store.log({
        entries: [{ id: job.id, token: job.token, message }],
        ...(now === undefined ? {} : { now }),
      });
    } catch (error) {
      this.deps.logger.warn("could not store a job's log line", {
        jobId: job.id,
        error: errorMessage(error),
      });
    }
  }

  private outcomeEvent(job: ClaimedJob, outcome: Outcome): StoreEvent {
    switch (outcome.kind) {
      case "complete":
        return this.event(job, "completed", { result: outcome.result, attempt: job.attempt });
      case "retry":
        return this.event(job, "retrying", { error: outcome.error, attempt: job.attempt });
      case "dead":
        return this.event(job, "dead", { error: outcome.error, attempt: job.attempt });
      case "release":
        return this.event(job, "enqueued", {});
    }
  }

  private event(job: ClaimedJob, type: StoreEvent["type"], extra: Partial<StoreEvent>): StoreEvent {
    return {
      type,
      jobId: job.id,
      name: job.name,
      queue: job.queue,
      at: this.deps.clock.now(),
      ...extra,
    };
  }
}
