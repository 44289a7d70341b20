import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { z } from "zod";

import type { Errand } from "../../../src/errand.ts";
import { ValidationError } from "../../../src/errors.ts";
import type { JobInfo } from "../../../src/job.ts";
import type { Worker } from "../../../src/worker/worker.ts";
import { newJob } from "../../harness/new-job.ts";
import type { ConformanceCases, ConformanceContext } from "../context.ts";
import { FAST_WORKER, nextEvent } from "../job-waits.ts";

const at = (iso: string): number => Date.parse(iso);

/** A worker that only fires schedules: it works a queue nothing is enqueued to. */
async function firingWorker(errand: Errand): Promise<Worker> {
  const worker = errand.work({ ...FAST_WORKER, queues: ["nothing-here"] });
  await worker.started();
  return worker;
}

/** Sets the clock and lets the workers fire what is due then. */
async function fireAt(c: ConformanceContext, iso: string, ...workers: Worker[]): Promise<void> {
  c.clock.set(at(iso));
  await Promise.all(workers.map((w) => w.runMaintenance()));
}

async function jobsOf(c: ConformanceContext, task: string): Promise<JobInfo[]> {
  return (await c.errand.jobs.list({ task })).jobs.reverse();
}

async function nextRunOf(errand: Errand, name: string): Promise<string | undefined> {
  const schedule = (await errand.schedules.list()).find((s) => s.name === name);
  return schedule?.nextRunAt?.toISOString();
}

function registerFiring(ctx: () => ConformanceContext): void {
  it("a schedule enqueues each occurrence as the clock passes it", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("report", { cron: "* * * * *", data: { kind: "minutely" } });
    assert.equal(await nextRunOf(c.errand, "report"), "2026-01-01T00:01:00.000Z");
    const worker = await firingWorker(c.errand);
    await worker.runMaintenance();
    assert.equal((await jobsOf(c, "report")).length, 0);
    const enqueued = nextEvent(c.errand, "enqueued", (e) => e.name === "report");
    await fireAt(c, "2026-01-01T00:01:00Z", worker);
    const [job] = await jobsOf(c, "report");
    assert.deepEqual(
      [job?.data, job?.queue, job?.state],
      [{ kind: "minutely" }, "default", "waiting"],
    );
    assert.equal((await enqueued).jobId, job?.id);
    assert.equal(await nextRunOf(c.errand, "report"), "2026-01-01T00:02:00.000Z");
    await fireAt(c, "2026-01-01T00:02:00Z", worker);
    assert.equal((await jobsOf(c, "report")).length, 2);
  });

  it("six fields take seconds first", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:35Z"));
    await c.errand.schedule("tick", { cron: "*/10 * * * * *" });
    assert.equal(await nextRunOf(c.errand, "tick"), "2026-01-01T00:00:40.000Z");
    const worker = await firingWorker(c.errand);
    await fireAt(c, "2026-01-01T00:00:40Z", worker);
    await fireAt(c, "2026-01-01T00:00:50Z", worker);
    assert.equal((await jobsOf(c, "tick")).length, 2);
  });

  it("the jobs carry the schedule's task, data and enqueue options", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    c.errand.task({ name: "report.build", queue: "reports" });
    await c.errand.schedule("nightly", {
      task: "report.build",
      cron: "* * * * *",
      data: { day: "today" },
      options: { priority: 5, group: "tenant-1", attempts: 7 },
    });
    const [schedule] = await c.errand.schedules.list();
    assert.deepEqual(
      [schedule?.task, schedule?.queue, schedule?.misfire, schedule?.tz],
      ["report.build", "reports", "runOnce", "UTC"],
    );
    const worker = await firingWorker(c.errand);
    await fireAt(c, "2026-01-01T00:01:00Z", worker);
    const [job] = await jobsOf(c, "report.build");
    assert.deepEqual(
      [job?.queue, job?.priority, job?.group, job?.attempts, job?.data, job?.key],
      ["reports", 5, "tenant-1", 7, { day: "today" }, null],
    );
  });

  it("with a key in its options, an occurrence while the last job is live enqueues nothing new", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("sync", { cron: "* * * * *", options: { key: "sync" } });
    const worker = await firingWorker(c.errand);
    await fireAt(c, "2026-01-01T00:01:00Z", worker);
    await fireAt(c, "2026-01-01T00:02:00Z", worker);
    assert.equal((await jobsOf(c, "sync")).length, 1);
    assert.equal(await nextRunOf(c.errand, "sync"), "2026-01-01T00:03:00.000Z");
  });
}

function registerExactlyOnce(ctx: () => ConformanceContext): void {
  const job = newJob({ name: "race" });

  it("two connections firing the same occurrence at once enqueue it once", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("race", { cron: "* * * * *" });
    const now = at("2026-01-01T00:01:00Z");
    const [due] = await c.store.dueSchedules({ limit: 10, now });
    assert.equal(due?.nextRunAt, now);
    const fire = (store = c.openStore()) =>
      store.fireSchedule({ name: "race", expectedRunAt: now, nextRunAt: now + 60_000, job, now });
    const results = await Promise.all([fire(c.store), fire(), fire(), fire()]);
    assert.equal(results.filter((r) => r.fired).length, 1);
    assert.equal(results.filter((r) => r.job?.created).length, 1);
    assert.ok(results.filter((r) => !r.fired).every((r) => r.job === null));
    assert.equal((await jobsOf(c, "race")).length, 1);
    assert.deepEqual(await c.store.dueSchedules({ limit: 10, now }), []);
  });

  it("workers in two processes enqueue each occurrence exactly once", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("both", { cron: "* * * * *" });
    const workers = [await firingWorker(c.errand), await firingWorker(c.newErrand())];
    for (let minute = 1; minute <= 5; minute++) {
      c.clock.advance("1m");
      await Promise.all(workers.map((w) => w.runMaintenance()));
    }
    const jobs = await jobsOf(c, "both");
    assert.equal(jobs.length, 5);
    assert.equal(await nextRunOf(c.errand, "both"), "2026-01-01T00:06:00.000Z");
  });

  it("firing without a job moves the schedule on and enqueues nothing", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("quiet", { cron: "* * * * *" });
    const now = at("2026-01-01T00:01:00Z");
    const fired = await c.store.fireSchedule({
      name: "quiet",
      expectedRunAt: now,
      nextRunAt: now + 60_000,
      job: null,
      now,
    });
    assert.deepEqual(fired, { fired: true, job: null });
    const stale = await c.store.fireSchedule({
      name: "quiet",
      expectedRunAt: now,
      nextRunAt: now + 60_000,
      job,
      now,
    });
    assert.deepEqual(stale, { fired: false, job: null });
    assert.equal((await c.errand.jobs.list()).jobs.length, 0);
  });
}

function registerMisfire(ctx: () => ConformanceContext): void {
  it("occurrences missed while no worker ran: runOnce enqueues one job, skip none", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:10:00Z"));
    await c.errand.schedule("once", { cron: "0 * * * *" });
    await c.errand.schedule("skipped", { cron: "0 * * * *", misfire: "skip" });
    c.clock.set(at("2026-01-01T05:10:00Z"));
    const worker = await firingWorker(c.errand);
    await worker.runMaintenance();
    assert.equal((await jobsOf(c, "once")).length, 1);
    assert.equal((await jobsOf(c, "skipped")).length, 0);
    for (const name of ["once", "skipped"])
      assert.equal(await nextRunOf(c.errand, name), "2026-01-01T06:00:00.000Z");
    await fireAt(c, "2026-01-01T06:00:00Z", worker);
    assert.equal((await jobsOf(c, "skipped")).length, 1, "on schedule again");
  });

  it("an occurrence less than a minute late is not missed", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:10:00Z"));
    await c.errand.schedule("late", { cron: "0 * * * *", misfire: "skip" });
    c.clock.set(at("2026-01-01T01:00:59Z"));
    const worker = await firingWorker(c.errand);
    await worker.runMaintenance();
    assert.equal((await jobsOf(c, "late")).length, 1);
  });
}

function registerTimeZones(ctx: () => ConformanceContext): void {
  it("Europe/Berlin: a job in the spring gap runs after it, one in the repeated hour runs once", async () => {
    const c = ctx();
    c.clock.set(at("2026-03-28T12:00:00Z"));
    await c.errand.schedule("nightly", { cron: "30 2 * * *", tz: "Europe/Berlin" });
    // 02:30 does not exist on 29 March: croner runs a fixed-time job at 03:00 CEST.
    assert.equal(await nextRunOf(c.errand, "nightly"), "2026-03-29T01:00:00.000Z");
    const worker = await firingWorker(c.errand);
    await fireAt(c, "2026-03-29T01:00:00Z", worker);
    assert.equal(await nextRunOf(c.errand, "nightly"), "2026-03-30T00:30:00.000Z");
    // Months later: the occurrences in between were missed, runOnce enqueues one job for them.
    await fireAt(c, "2026-10-24T12:00:00Z", worker);
    assert.equal((await jobsOf(c, "nightly")).length, 2);
    // 02:30 happens twice on 25 October: croner runs a fixed-time job at the first pass only.
    assert.equal(await nextRunOf(c.errand, "nightly"), "2026-10-25T00:30:00.000Z");
    await fireAt(c, "2026-10-25T00:30:00Z", worker);
    assert.equal(await nextRunOf(c.errand, "nightly"), "2026-10-26T01:30:00.000Z");
    await fireAt(c, "2026-10-25T01:30:00Z", worker);
    assert.equal((await jobsOf(c, "nightly")).length, 3);
  });

  it("an interval pattern skips the spring gap and runs in both passes of the repeated hour", async () => {
    const c = ctx();
    c.clock.set(at("2026-10-24T23:45:00Z"));
    await c.errand.schedule("half-past", { cron: "30 * * * *", tz: "Europe/Berlin" });
    const worker = await firingWorker(c.errand);
    // 02:30 CEST, then 02:30 CET an hour later.
    await fireAt(c, "2026-10-25T00:30:00Z", worker);
    await fireAt(c, "2026-10-25T01:30:00Z", worker);
    assert.equal((await jobsOf(c, "half-past")).length, 2);
    assert.equal(await nextRunOf(c.errand, "half-past"), "2026-10-25T02:30:00.000Z");
    c.clock.set(at("2026-03-28T23:45:00Z"));
    await c.errand.schedule("spring", { cron: "30 * * * *", tz: "Europe/Berlin" });
    await fireAt(c, "2026-03-29T00:30:00Z", worker);
    // 02:30 does not exist on 29 March: after 01:30 CET comes 03:30 CEST.
    assert.equal(await nextRunOf(c.errand, "spring"), "2026-03-29T01:30:00.000Z");
  });
}

function registerManaging(ctx: () => ConformanceContext): void {
  it("unschedule stops future occurrences and keeps the jobs already enqueued", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("report", { cron: "* * * * *" });
    const worker = await firingWorker(c.errand);
    await fireAt(c, "2026-01-01T00:01:00Z", worker);
    assert.equal(await c.errand.unschedule("report"), true);
    assert.deepEqual(await c.errand.schedules.list(), []);
    await fireAt(c, "2026-01-01T00:02:00Z", worker);
    assert.equal((await jobsOf(c, "report")).length, 1);
    assert.equal(await c.errand.unschedule("report"), false);
  });

  it("updating a schedule with the same cron keeps its next run; a new cron starts over", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:10:00Z"));
    await c.errand.schedule("report", { cron: "0 * * * *", data: { v: 1 } });
    const [before] = await c.errand.schedules.list();
    c.clock.set(at("2026-01-01T02:20:00Z"));
    await c.errand.schedule("report", { cron: "0 * * * *", data: { v: 2 } });
    const [kept] = await c.errand.schedules.list();
    assert.deepEqual(
      [kept?.nextRunAt?.toISOString(), kept?.data, kept?.createdAt],
      ["2026-01-01T01:00:00.000Z", { v: 2 }, before?.createdAt],
    );
    assert.equal(kept?.updatedAt.toISOString(), "2026-01-01T02:20:00.000Z");
    await c.errand.schedule("report", { cron: "30 * * * *", data: { v: 2 } });
    assert.equal(await nextRunOf(c.errand, "report"), "2026-01-01T02:30:00.000Z");
  });

  it("schedules live in the store: another process sees them and its worker fires them", async () => {
    const c = ctx();
    c.clock.set(at("2026-01-01T00:00:30Z"));
    await c.errand.schedule("report", { cron: "* * * * *" });
    const other = c.newErrand();
    assert.deepEqual(
      (await other.schedules.list()).map((s) => [s.name, s.cron]),
      [["report", "* * * * *"]],
    );
    await fireAt(c, "2026-01-01T00:01:00Z", await firingWorker(other));
    assert.equal((await jobsOf(c, "report")).length, 1);
  });

  it("bad schedules throw ValidationError and write nothing", async () => {
    const c = ctx();
    c.errand.task({ name: "typed", schema: z.object({ n: z.number() }) });
    const bad: [string, Parameters<Errand["schedule"]>[1], RegExp][] = [
      ["x", { cron: "every day" }, /cron/],
      ["x", { cron: "0 0 0 * * * 2030" }, /cron/],
      ["x", { cron: "0 0 30 2 *" }, /never fires/],
      ["x", { cron: "* * * * *", tz: "Mars/Olympus" }, /tz/],
      ["x", { cron: "* * * * *", task: "" }, /task/],
      ["typed", { cron: "* * * * *", data: { n: "one" } }, /schema/],
      ["x", { cron: "* * * * *", data: { f: () => 1 } }, /function/],
      ["x", { cron: "* * * * *", misfire: "always" as "skip" }, /misfire/],
      ["x", { cron: "* * * * *", options: { delay: "1m" } as object }, /leave out delay/],
      ["x", { cron: "* * * * *", options: { priority: 1.5 } }, /priority/],
      ["x", { cron: "* * * * *", every: "day" } as never, /Unknown schedule option/],
      ["", { cron: "* * * * *" }, /name/],
    ];
    for (const [name, options, message] of bad) {
      await assert.rejects(
        c.errand.schedule(name, options),
        (e: unknown) => e instanceof ValidationError && message.test(e.message),
        `${name} ${JSON.stringify(options)}`,
      );
    }
    assert.deepEqual(await c.errand.schedules.list(), []);
  });
}

export const schedulesCases: ConformanceCases = (ctx) => {
  describe("schedules", () => {
    describe("firing", () => registerFiring(ctx));
    describe("exactly once", () => registerExactlyOnce(ctx));
    describe("misfire", () => registerMisfire(ctx));
    describe("time zones", () => registerTimeZones(ctx));
    describe("managing schedules", () => registerManaging(ctx));
  });
};
