import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

import type { Clock } from "../clock.ts";
import { CancelledError, ShutdownError } from "../errors.ts";
import type { EventBus } from "../events.ts";
import { errorMessage, type Logger } from "../logger.ts";
import { type Duration, toMs } from "../policy/durations.ts";
import { claimLimits } from "../policy/limits.ts";
import { removeOnFinish, type ResolvedRetention } from "../policy/retention.ts";
import { retryDelay } from "../policy/retry-delay.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import type { ClaimedJob, ClaimResult, Store, StoreEvent } from "../stores/contract.ts";
import type { TaskDefinition } from "../task-options.ts";
import { jobEvent, outcomeEvent } from "./job-events.ts";
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
  private readonly scheduler: Scheduler;
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
    this.scheduler = new Scheduler(deps);
    const unlistenEvents = deps.events.listen((event) => this.onEvent(event));
    const unlistenClock = deps.clock.onMove?.(() => {
      this.lookAgain();
      void this.scheduler.step();
    });
    this.unlisten = () => {
      unlistenEvents();
      unlistenClock?.();
    };
    this.leases.start();
    this.maintenance.start();
    this.scheduler.start();
    this.loopDone = this.loop();
  }

  /** Jobs running in this worker now. */
  get active(): number {
    return this.running.size;
  }

  /** Runs the chores now (rescue expired leases, prune, fire due schedules), for tests and tools. */
  async runMaintenance(): Promise<void> {
    await this.maintenance.rescue();
    await this.maintenance.prune();
    await this.scheduler.step();
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
      .map((run) => jobEvent(run.job, "enqueued", this.deps.clock.now()));
    if (handedBack.length > 0) {
      this.deps.logger.info("handed unfinished jobs back", { count: handedBack.length });
      this.deps.events.emit(handedBack);
    }
    this.running.clear();
    await this.settler.drain();
    this.leases.stop();
    await this.maintenance.stop();
    await this.scheduler.stop();
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
      let claimed: ClaimResult;
      try {
        claimed = await this.claim(free);
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

  private claim(limit: number): Promise<ClaimResult> {
    const now = this.deps.clock.storeNow();
    const limits = claimLimits(this.deps.tasks.values());
    return this.deps.store.claim({
      queues: this.options.queues,
      limit,
      leaseMs: this.options.leaseMs,
      workerId: this.id,
      ...(limits === null ? {} : { limits }),
      ...(now === undefined ? {} : { now }),
    });
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
    this.deps.events.emit([
      jobEvent(job, "started", this.deps.clock.now(), { attempt: job.attempt }),
    ]);
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
      block: (j, delayMs, group) => this.block(j, delayMs, group),
    });
    if (run.handedBack) return;
    await Promise.allSettled(run.logWrites);
    this.leases.untrack(job.id);
    const applied = await this.settler.settle(outcome);
    if (applied) this.deps.events.emit([outcomeEvent(job, outcome, this.deps.clock.now())]);
    else
      this.deps.logger.debug(
        "a finished job's lease was no longer held; its outcome was discarded",
        { jobId: job.id },
      );
    this.running.delete(job.id);
    const freed = this.slotFreed;
    this.slotFreed = null;
    freed?.();
    // A settled job frees a concurrency-limit slot: an idle worker may take the next one now.
    if (job.name in (claimLimits(this.deps.tasks.values()) ?? {})) this.lookAgain();
  }

  private async progress(job: ClaimedJob, encoded: string): Promise<void> {
    const [applied] = await this.deps.store.progress({
      updates: [{ id: job.id, token: job.token, progress: encoded }],
    });
    if (applied)
      this.deps.events.emit([
        jobEvent(job, "progress", this.deps.clock.now(), { progress: encoded }),
      ]);
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

  private async block(job: ClaimedJob, delayMs: number, group: boolean): Promise<void> {
    try {
      const now = this.deps.clock.storeNow();
      await this.deps.store.block({
        queue: job.queue,
        name: job.name,
        group: group ? job.group : null,
        delayMs,
        ...(now === undefined ? {} : { now }),
      });
    } catch (error) {
      // The job is still postponed; only other jobs of the task may start before the delay.
      this.deps.logger.warn("could not block a rate-limited task", {
        jobId: job.id,
        error: errorMessage(error),
      });
    }
  }
}
