import type { Clock } from "../clock.ts";
import type { EventBus } from "../events.ts";
import { errorMessage, type Logger } from "../logger.ts";
import type { ScheduleRecord, Store } from "../stores/contract.ts";
import type { TaskDefinition } from "../task-options.ts";
import { planFiring } from "./plan-firing.ts";
import { buildScheduledJob } from "./schedule-options.ts";

/** What firing schedules needs from the worker that runs it. */
export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  tasks: ReadonlyMap<string, TaskDefinition>;
  maxPayloadBytes: number;
}

/** Due schedules read per round; a step goes on while rounds fire something. */
const BATCH = 100;
/** Rounds per step at most, so one step never runs unbounded (the next step goes on). */
const MAX_ROUNDS = 20;

/**
 * Fires due schedules from a worker process: every `everyMs`, and whenever a test clock
 * moves. Any number of processes may run it: each occurrence is enqueued by the one
 * `fireSchedule` whose compare-and-set wins, so there is no leader to lose or split.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly everyMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.step(), this.everyMs);
    this.timer.unref();
    void this.step();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * Fires what is due now; resolves when a step that began after this call has ended.
   * Steps never overlap, and requests made while one runs share the next.
   */
  step(): Promise<void> {
    if (!this.queued && !this.stopped) {
      this.queued = true;
      this.running = this.running.then(() => {
        this.queued = false;
        return this.fireDue();
      });
    }
    return this.running;
  }

  private async fireDue(): Promise<void> {
    const failed = new Set<string>();
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const now = this.deps.clock.storeNow();
        const due = (
          await this.deps.store.dueSchedules({
            limit: BATCH,
            ...(now === undefined ? {} : { now }),
          })
        ).filter((s) => !failed.has(s.name));
        if (due.length === 0) return;
        for (const schedule of due) {
          if (!(await this.fire(schedule))) failed.add(schedule.name);
        }
      }
    } catch (error) {
      this.deps.logger.warn("reading due schedules failed", { error: errorMessage(error) });
    }
  }

  /** Fires one occurrence; false when it failed (logged) and should wait for the next step. */
  private async fire(schedule: ScheduleRecord): Promise<boolean> {
    const { store, clock, logger, tasks, maxPayloadBytes } = this.deps;
    try {
      const now = clock.storeNow();
      const plan = planFiring(schedule, now ?? clock.now());
      const job = plan.enqueue
        ? await this.buildJob(schedule, tasks.get(schedule.task) ?? null, maxPayloadBytes)
        : null;
      const result = await store.fireSchedule({
        name: schedule.name,
        expectedRunAt: schedule.nextRunAt,
        nextRunAt: plan.nextRunAt,
        job,
        ...(now === undefined ? {} : { now }),
      });
      if (plan.missed && result.fired) {
        logger.warn("a schedule missed occurrences while no worker ran", {
          schedule: schedule.name,
          misfire: schedule.misfire,
        });
      }
      if (result.job?.created && job) {
        const event = { jobId: result.job.id, name: job.name, queue: job.queue, at: clock.now() };
        this.deps.events.emit([{ type: "enqueued", ...event }]);
      }
      return true;
    } catch (error) {
      logger.error("firing a schedule failed", {
        schedule: schedule.name,
        error: errorMessage(error),
      });
      return false;
    }
  }

  /** The occurrence's job; null (the occurrence is skipped, loudly) when its payload no longer fits. */
  private async buildJob(
    schedule: ScheduleRecord,
    task: TaskDefinition | null,
    maxPayloadBytes: number,
  ) {
    try {
      return await buildScheduledJob(schedule, task, maxPayloadBytes);
    } catch (error) {
      this.deps.logger.error("a schedule's job is invalid; this occurrence is skipped", {
        schedule: schedule.name,
        error: errorMessage(error),
      });
      return null;
    }
  }
}
