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
import type {
  ClaimedJob,
  ClaimResult,
  Outcome,
  Store,
  StoreEvent,
  TaskLimits,
} from "../stores/contract.ts";
import type { TaskDefinition } from "../task-options.ts";
import { Attempt } from "./attempt.ts";
import { EventLoopTurns } from "./event-loop-turns.ts";
import { isolating, planBuffer } from "./isolation.ts";
import { jobEvent, outcomeEvent, startedEvent } from "./job-events.ts";
import { JobIo } from "./job-io.ts";
import { LeaseKeeper } from "./lease-keeper.ts";
import { Maintenance } from "./maintenance.ts";
import { claimSize } from "./refill.ts";
import { runJob, type RunJobDeps, shutdownReason } from "./run-job.ts";
import { Settler } from "./settler.ts";
import type { ResolvedWorkOptions } from "./worker-options.ts";

/** Longest the claim loop runs without letting timers and I/O in (see event-loop-turns.ts). */
const TURN_EVERY_MS = 2;

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
  attempt: Attempt;
  handedBack: boolean;
  logWrites: Promise<unknown>[] | null;
}

/**
 * A worker's machinery once its store is open: claims jobs in batches up to its free
 * slots (plus `prefetch` held ahead in a local buffer), runs them, keeps their leases,
 * and settles them in groups without holding a slot while the settle is in flight. On
 * `close` it hands back what it could not finish, buffered jobs first and at once.
 */
export class WorkerRuntime {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  /** Claimed ahead, leased, not started; in claim order (priority, then due time). */
  private readonly buffer = new Map<string, ClaimedJob>();
  /** Outcomes handed to the settler and not yet acknowledged (the settler's drain waits for them). */
  private settling = 0;
  /** Hand-backs of buffered jobs not yet acknowledged; an isolated job waits for them. */
  private releasing = 0;
  /** The running job that stalled before and so runs alone (see isolation.ts), if any. */
  private isolated: string | null = null;
  private readonly leases: LeaseKeeper;
  private readonly settler: Settler;
  private readonly maintenance: Maintenance;
  private readonly scheduler: Scheduler;
  private readonly io: JobIo;
  private readonly runDeps: RunJobDeps;
  private readonly unlisten: () => void;
  private readonly loopDone: Promise<void>;
  private limits: Record<string, TaskLimits> | null = null;
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
    this.io = new JobIo(store, clock, deps.events, logger);
    this.runDeps = this.makeRunDeps();
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

  /** Jobs claimed ahead and waiting in this worker's buffer. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Runs the chores now (rescue expired leases, prune, fire due schedules), for tests and tools. */
  async runMaintenance(): Promise<void> {
    await this.maintenance.rescue();
    await this.maintenance.prune();
    await this.scheduler.step();
  }

  /**
   * Stops claiming and hands buffered jobs back at once, waits up to `grace` (default
   * 10 s) for running jobs, then aborts the rest and hands them back to `waiting` at
   * once, spending none of their attempts. Resolves once every outcome is settled.
   */
  close(options: { grace?: Duration } = {}): Promise<void> {
    this.closing ??= this.shutdown(toMs(options.grace ?? "10s", "close(): grace"));
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.loopDone;
    const unstarted = [...this.buffer.values()];
    this.buffer.clear();
    const releasedEarly = this.handBack(unstarted);
    if (this.running.size > 0 && graceMs > 0) await this.waitForDrain(graceMs);
    const runs = [...this.running.values()];
    for (const run of runs) {
      run.handedBack = true;
      run.attempt.abort(shutdownReason());
    }
    this.running.clear();
    this.isolated = null;
    const released = await this.handBack(runs.map((run) => run.job));
    const count = released + (await releasedEarly);
    if (count > 0) this.deps.logger.info("handed unfinished jobs back", { count });
    // Every outcome's callback (its event, the next start) has run once this resolves.
    await this.settler.drain();
    this.leases.stop();
    await this.maintenance.stop();
    await this.scheduler.stop();
    this.unlisten();
  }

  /** Releases leased jobs to `waiting` now, their start undone; returns how many were. */
  private async handBack(jobs: ClaimedJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    for (const job of jobs) this.leases.untrack(job.id);
    const applied = await Promise.all(
      jobs.map((job) => this.settler.settle({ kind: "release", id: job.id, token: job.token })),
    );
    const at = this.deps.clock.now();
    const events = jobs.filter((_, i) => applied[i]).map((job) => jobEvent(job, "enqueued", at));
    if (events.length > 0) this.deps.events.emit(events);
    return events.length;
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
    const turns = new EventLoopTurns(TURN_EVERY_MS);
    while (!this.stopping) {
      if (turns.due()) {
        // close() may have begun during the turn: look at `stopping` again first.
        await turns.take();
        continue;
      }
      this.startBuffered();
      const limits = claimLimits(this.deps.tasks.values());
      const want = this.claimWanted(limits !== null);
      if (want <= 0) {
        await this.roomToClaim(limits !== null);
        continue;
      }
      this.woken = false;
      let claimed: ClaimResult;
      const sentAt = this.deps.clock.now();
      try {
        claimed = await this.claim(want, limits);
        failures = 0;
      } catch (error) {
        this.deps.logger.warn("claiming jobs failed; backing off", { error: errorMessage(error) });
        await this.sleep(retryDelay(failures++));
        continue;
      }
      // Through the buffer, so the batch starts in order and a stalled job in it runs alone.
      // Jobs claimed while close() began stay there, and close hands them back at once.
      for (const job of claimed.jobs) {
        this.leases.track(job.id, job.token, sentAt);
        this.buffer.set(job.id, job);
      }
      this.startBuffered();
      if (claimed.jobs.length < want && !this.woken) {
        const due = claimed.nextDueInMs ?? Number.POSITIVE_INFINITY;
        await this.sleep(Math.min(this.options.pollMs, due + 1));
      }
    }
  }

  /** Jobs the next claim should ask for now; 0 or less when none. */
  private claimWanted(limited: boolean): number {
    return claimSize({
      concurrency: this.options.concurrency,
      prefetch: this.options.prefetch,
      running: this.running.size,
      buffered: this.buffer.size,
      settling: this.settling,
      limited,
      isolating: isolating(this.isolated !== null, this.headStalled()),
    });
  }

  /**
   * Waits until a claim is wanted (or the worker stops). Every finished and every settled
   * job frees something, and with a buffer most of them leave nothing to claim: checking
   * here spares the loop a turn, a promise and the limits' recomputation per job.
   */
  private roomToClaim(limited: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.stopping || this.claimWanted(limited) > 0) resolve();
        else this.slotFreed = check;
      };
      this.slotFreed = check;
    });
  }

  /** True when the next buffered job has stalled before, so it must run alone. */
  private headStalled(): boolean {
    for (const job of this.buffer.values()) return job.stalls > 0;
    return false;
  }

  /**
   * Starts buffered jobs in the slots that are free, in order; a job that stalled before
   * starts only alone, and the jobs behind it beyond `prefetch` are handed back first.
   */
  private startBuffered(): void {
    if (this.stopping || this.buffer.size === 0) return;
    if (this.isolated === null && this.startPlain()) return;
    const head: boolean[] = [];
    const look = Math.max(0, this.options.concurrency - this.running.size);
    for (const job of this.buffer.values()) {
      if (head.length > look) break;
      head.push(job.stalls > 0);
    }
    const plan = planBuffer(
      {
        concurrency: this.options.concurrency,
        prefetch: this.options.prefetch,
        running: this.running.size,
        isolatedRunning: this.isolated !== null,
        busy: this.settling > 0 || this.releasing > 0,
      },
      head,
      this.buffer.size,
    );
    const starts: ClaimedJob[] = [];
    const back: ClaimedJob[] = [];
    let i = 0;
    for (const job of this.buffer.values()) {
      if (i < plan.start) starts.push(job);
      else if (i >= plan.keep) back.push(job);
      else if (plan.keep === this.buffer.size) break;
      i += 1;
    }
    for (const job of [...starts, ...back]) this.buffer.delete(job.id);
    for (const job of starts) {
      if (this.leases.surelyHeld(job.id)) this.start(job);
      else back.push(job);
    }
    // Fenced: the release changes nothing if the job is already someone else's.
    if (back.length > 0) this.release(back);
  }

  /**
   * startBuffered's common case, taken twice per job: no stalled job running, none among
   * the jobs to start nor right behind them. Starts the free slots' jobs in order, as
   * planBuffer would, without building its plan. False (having started what it could)
   * when a stalled job is met, which needs the full plan.
   */
  private startPlain(): boolean {
    let back: ClaimedJob[] | null = null;
    let plain = true;
    for (const job of this.buffer.values()) {
      if (job.stalls > 0) {
        plain = false;
        break;
      }
      if (this.running.size >= this.options.concurrency) break;
      this.buffer.delete(job.id);
      if (this.leases.surelyHeld(job.id)) this.start(job);
      else (back ??= []).push(job);
    }
    // Fenced: the release changes nothing if the job is already someone else's.
    if (back !== null) this.release(back);
    return plain;
  }

  /** Hands buffered jobs back in the background; what waited on it goes on afterwards. */
  private release(jobs: ClaimedJob[]): void {
    this.releasing += 1;
    void this.handBack(jobs).finally(() => {
      this.releasing -= 1;
      this.startBuffered();
      this.freeSlot();
    });
  }

  private claim(limit: number, limits: Record<string, TaskLimits> | null): Promise<ClaimResult> {
    this.limits = limits;
    const now = this.deps.clock.storeNow();
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
    this.freeSlot();
  }

  /** Lets a loop that waits for a free slot (or a settle) go on. */
  private freeSlot(): void {
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
    if (this.buffer.delete(id)) {
      // Never started: the job is someone else's now (rescued, cancelled); drop it quietly.
      this.leases.untrack(id);
      this.freeSlot();
      return;
    }
    this.running.get(id)?.attempt.abort(reason);
  }

  private start(job: ClaimedJob): void {
    if (job.stalls > 0) this.isolated = job.id;
    const run: Running = { job, attempt: new Attempt(), handedBack: false, logWrites: null };
    this.running.set(job.id, run);
    this.deps.events.emitOne(startedEvent(job, this.deps.clock.now()));
    void this.execute(run);
  }

  /** What every job's run needs from this worker: made once, not per job. */
  private makeRunDeps(): RunJobDeps {
    return {
      maxPayloadBytes: this.deps.maxPayloadBytes,
      removeOnComplete: removeOnFinish(this.deps.keepCompleted),
      progress: (job, encoded) => this.io.progress(job, encoded),
      log: (job, message) => this.log(job, message),
      block: (job, delayMs, group) => this.io.block(job, delayMs, group),
    };
  }

  /** One line at a time per job: parallel writes on a pooled store could land out of order. */
  private log(job: ClaimedJob, message: string): void {
    const run = this.running.get(job.id);
    // A line logged after its handler returned (not awaited) has no run to wait for it.
    if (run?.job !== job) {
      void this.io.log(job, message);
      return;
    }
    const writes = (run.logWrites ??= []);
    const previous = writes[writes.length - 1] ?? Promise.resolve();
    writes.push(previous.then(() => this.io.log(job, message)));
  }

  private async execute(run: Running): Promise<void> {
    const { job } = run;
    const task = this.deps.tasks.get(job.name) ?? null;
    const outcome = await runJob(job, task, run.attempt, this.runDeps);
    if (run.handedBack) return;
    if (run.logWrites) await Promise.allSettled(run.logWrites);
    if (run.handedBack) return;
    this.leases.untrack(job.id);
    // The slot is free once the outcome is known: the next job starts (or is claimed)
    // while the group commit writes this one. close() waits for the settler to drain.
    this.running.delete(job.id);
    if (this.isolated === job.id) this.isolated = null;
    this.settling += 1;
    this.settler.add(outcome, (applied) => this.settled(job, outcome, applied));
    this.startBuffered();
    this.freeSlot();
  }

  private settled(job: ClaimedJob, outcome: Outcome, applied: boolean): void {
    this.settling -= 1;
    if (applied) this.deps.events.emitOne(outcomeEvent(job, outcome, this.deps.clock.now()));
    else
      this.deps.logger.debug(
        "a finished job's lease was no longer held; its outcome was discarded",
        {
          jobId: job.id,
        },
      );
    // An isolated job may be waiting for the last settle.
    this.startBuffered();
    this.freeSlot();
    // A settled job frees a concurrency-limit slot: an idle worker may take the next one now.
    if (this.limits !== null && job.name in this.limits) this.lookAgain();
  }
}
