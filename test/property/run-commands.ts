/**
 * Runs one random command sequence against a store and the model side by side, and
 * compares them after every step: each command's own answer, then every job the run
 * ever created (read back with `get`) and each queue's counts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";

import type { ClaimResult, Lease, NewJob, Outcome, Store } from "../../src/stores/contract.ts";
import type { TestClock } from "../../src/testing/test-clock.ts";
import type { Command, EnqueueSpec, SettleKind } from "./commands.ts";
import { excepts } from "./deviations.ts";
import { ANY_ERROR, Model, type ModelOutcome } from "./model.ts";

const RESULT = JSON.stringify({ ok: true });
const ERROR = JSON.stringify({ name: "Error", message: "boom" });
/** The debounce of key k1 and the throttle window of key k2 (commands.ts). */
const DEBOUNCE_MS = 1_500;
const THROTTLE_MS = 2_000;

/** Picks the `n`th item (modulo), or undefined from an empty list. */
function pick<T>(items: T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

class Run {
  private model = new Model();
  /** Every lease ever handed out, stale ones included: fenced commands pick from these. */
  private readonly leases: Lease[] = [];
  /** Every id ever created, removed ones included. */
  private readonly ids: string[] = [];
  private readonly queues: [string, string];
  private nextData = 0;

  constructor(
    private readonly stores: [Store, Store],
    private readonly clock: TestClock,
  ) {
    const run = randomBytes(4).toString("hex");
    this.queues = [`p${run}-a`, `p${run}-b`];
  }

  private get store(): Store {
    return this.stores[0];
  }

  private get kind(): string {
    return this.store.kind;
  }

  private now(): number {
    return this.clock.storeNow();
  }

  async step(command: Command): Promise<void> {
    switch (command.op) {
      case "enqueue":
        return this.enqueue(command.jobs);
      case "claim":
        return this.claim(command.queues, command.limit, command.leaseMs);
      case "race":
        return this.race(command.queues, command.limits, command.leaseMs);
      case "extend":
        return this.extend(command.leases, command.leaseMs);
      case "progress":
        return this.progress(command.lease, command.value);
      case "log":
        return this.log(command.lease);
      case "settle":
        return this.settle(command.outcomes);
      case "settleRace":
        return this.settleRace(command.lease, command.how, command.against);
      case "advance":
        this.clock.advance(command.ms);
        return;
      case "rescue":
        return this.rescue();
      case "cancel":
        return this.cancel(command.jobs);
      case "retry":
        return this.retry(command.jobs);
      case "retryFilter":
        return this.retryFilter(command.queue, command.state);
      case "remove":
        return this.remove(command.jobs);
    }
  }

  private newJob(spec: EnqueueSpec): NewJob {
    return {
      name: `t${spec.task}`,
      queue: this.queues[spec.queue] as string,
      data: JSON.stringify({ n: this.nextData++ }),
      priority: spec.priority,
      runAt: null,
      delayMs: spec.delayMs,
      attempts: spec.attempts,
      maxStalls: spec.maxStalls,
      key: spec.key === null ? null : `k${spec.key}`,
      group: null,
      debounceMs: spec.key === 1 ? DEBOUNCE_MS : null,
      throttleMs: spec.key === 2 ? THROTTLE_MS : null,
    };
  }

  private async enqueue(specs: EnqueueSpec[]): Promise<void> {
    const now = this.now();
    const jobs = specs.map((s) => this.newJob(s));
    const results = await this.store.enqueue({ jobs, now });
    assert.equal(results.length, jobs.length, "enqueue: one result per job");
    jobs.forEach((job, i) => {
      const result = results[i];
      assert.ok(result);
      const holder = this.model.holder(job, now);
      if (holder) {
        const expected = this.model.expected(holder.id, now)?.state;
        assert.deepEqual(
          result,
          { id: holder.id, created: false, state: expected },
          `enqueue[${i}]: the key's holder is returned, in input order`,
        );
      } else {
        assert.equal(result.created, true, `enqueue[${i}]: a job without a live holder is created`);
        assert.ok(!this.ids.includes(result.id), `enqueue[${i}]: a new job gets a new id`);
        const created = this.model.insert(result.id, job, now);
        this.ids.push(result.id);
        assert.equal(result.state, created.state, `enqueue[${i}]: state of the new job`);
      }
    });
  }

  /** Checks one claim's answer against the model and applies it. */
  private applyClaim(claim: ClaimResult, leaseMs: number, now: number): void {
    for (const job of claim.jobs) {
      const before = this.model.expected(job.id, now);
      assert.ok(before, `claim: leased job ${job.id} exists`);
      this.model.lease(job.id, job.token, leaseMs, now);
      const after = this.model.jobs.get(job.id);
      assert.deepEqual(
        {
          queue: job.queue,
          data: job.data,
          priority: job.priority,
          attempt: job.attempt,
          stalls: job.stalls,
          runAt: job.runAt,
          leaseExpiresAt: job.leaseExpiresAt,
        },
        {
          queue: after?.queue,
          data: after?.data,
          priority: after?.priority,
          attempt: after?.attempt,
          stalls: after?.stalls,
          runAt: after?.runAt,
          leaseExpiresAt: now + leaseMs,
        },
        `claim: leased job ${job.id}`,
      );
      assert.ok(
        !this.leases.some((l) => l.token === job.token),
        "claim: every lease gets a fresh token",
      );
      this.leases.push({ id: job.id, token: job.token });
    }
  }

  private async claim(queueIxs: number[], limit: number, leaseMs: number): Promise<void> {
    const now = this.now();
    const queues = queueIxs.map((q) => this.queues[q] as string);
    const candidates = this.model.candidates(queues, now);
    const expected = candidates.slice(0, limit).map((j) => j.id);
    const expectedNext = expected.length < limit ? this.model.nextDueInMs(queues, now) : null;
    const claim = await this.store.claim({ queues, limit, leaseMs, workerId: "w0", now });
    assert.deepEqual(
      claim.jobs.map((j) => j.id),
      expected,
      "claim: the first due jobs, in claim order",
    );
    if (expected.length < limit) {
      assert.equal(claim.nextDueInMs, expectedNext, "claim: nextDueInMs");
    }
    this.applyClaim(claim, leaseMs, now);
  }

  /** Two workers claim at the same instant through their own connections. */
  private async race(queueIxs: number[], limits: [number, number], leaseMs: number) {
    const now = this.now();
    const queues = queueIxs.map((q) => this.queues[q] as string);
    const candidates = this.model.candidates(queues, now).map((j) => j.id);
    const claims = await Promise.all(
      this.stores.map((store, w) =>
        store.claim({ queues, limit: limits[w] as number, leaseMs, workerId: `w${w}`, now }),
      ),
    );
    const taken = claims.flatMap((c) => c.jobs.map((j) => j.id));
    assert.equal(new Set(taken).size, taken.length, "race: no job is leased twice");
    for (const id of taken) assert.ok(candidates.includes(id), `race: ${id} was due`);
    if (queues.length > 1 && excepts(this.kind, "redis-multi-queue-claim-race")) {
      // Whichever claim reaches a queue with due jobs first takes at least one.
      assert.ok(
        taken.length >= Math.min(1, candidates.length),
        "race: due jobs and neither claim took one",
      );
    } else {
      // One claim ran first as one atomic step, the other took the next jobs.
      const want = candidates.slice(0, limits[0] + limits[1]);
      assert.deepEqual(
        [...taken].sort(),
        [...want].sort(),
        "race: together the claims took the first due jobs",
      );
      for (const [w, claim] of claims.entries()) {
        const order = candidates.filter((id) => claim.jobs.some((j) => j.id === id));
        assert.deepEqual(
          claim.jobs.map((j) => j.id),
          order,
          `race: claim ${w} is in claim order`,
        );
      }
    }
    for (const claim of claims) this.applyClaim(claim, leaseMs, now);
  }

  private async extend(refs: number[], leaseMs: number): Promise<void> {
    const leases = refs.map((r) => pick(this.leases, r)).filter((l) => l !== undefined);
    if (leases.length === 0) return;
    const now = this.now();
    const held = await this.store.extend({ leases, leaseMs, now });
    const expected = leases.map((l) => this.model.extend(l.id, l.token, leaseMs, now));
    assert.deepEqual(held, expected, "extend: true exactly for held leases");
  }

  private async progress(ref: number, value: number): Promise<void> {
    const lease = pick(this.leases, ref);
    if (!lease) return;
    const progress = JSON.stringify(value);
    const applied = await this.store.progress({ updates: [{ ...lease, progress }] });
    assert.deepEqual(applied, [this.model.progress(lease.id, lease.token, progress)], "progress");
  }

  private async log(ref: number): Promise<void> {
    const lease = pick(this.leases, ref);
    if (!lease) return;
    const now = this.now();
    const applied = await this.store.log({ entries: [{ ...lease, message: "line" }], now });
    assert.deepEqual(applied, [this.model.log(lease.id, lease.token)], "log");
  }

  private outcome(lease: Lease, how: SettleKind): Outcome & ModelOutcome {
    switch (how.kind) {
      case "complete":
        return { ...lease, kind: "complete", result: RESULT, remove: how.remove };
      case "retry":
        return { ...lease, kind: "retry", error: ERROR, delayMs: how.delayMs };
      case "dead":
        return { ...lease, kind: "dead", error: ERROR };
      case "release":
        return { ...lease, kind: "release" };
      case "postpone":
        return { ...lease, kind: "postpone", delayMs: how.delayMs };
    }
  }

  private async settle(specs: { lease: number; how: SettleKind }[]): Promise<void> {
    const outcomes = specs.flatMap((s) => {
      const lease = pick(this.leases, s.lease);
      return lease ? [this.outcome(lease, s.how)] : [];
    });
    if (outcomes.length === 0) return;
    const now = this.now();
    const applied = await this.store.settle({ outcomes, now });
    const expected = outcomes.map((o) => this.model.settle(o, now));
    assert.deepEqual(applied, expected, "settle: applied exactly under a held lease, in order");
  }

  /**
   * A worker settles while another process rescues (or an operator cancels) the same job.
   * Each is one atomic step, so the outcome must be that of one of the two orders; which
   * order is the store's, and the model follows the one that matches.
   */
  private async settleRace(ref: number, how: SettleKind, against: "rescue" | "cancel") {
    const lease = pick(this.leases, ref);
    if (!lease) return;
    const outcome = this.outcome(lease, how);
    const now = this.now();
    const [settled, other] = await Promise.all([
      this.stores[0].settle({ outcomes: [outcome], now }),
      against === "rescue"
        ? this.stores[1]
            .rescue({ limit: 1_000, now })
            .then((rescued) => rescued.map((r) => `${r.id}:${r.state}:${r.stalls}`).sort())
        : this.stores[1].cancel({ ids: [lease.id], now }).then((r) => r.map((c) => c.previous)),
    ]);
    const observed = { settled, other };
    const orders = [true, false].map((settleFirst) => {
      const model = this.model.clone();
      const settle = () => [model.settle(outcome, now)];
      const rival = () => {
        if (against === "cancel") return [model.cancel(lease.id, now)];
        const expired = model.expired(now).map((j) => j.id);
        for (const id of expired) model.rescue(id, now);
        return expired
          .map((id) => `${id}:${model.jobs.get(id)?.state}:${model.jobs.get(id)?.stalls}`)
          .sort();
      };
      if (settleFirst) {
        const settled = settle();
        return { model, expected: { settled, other: rival() } };
      }
      const other = rival();
      return { model, expected: { settled: settle(), other } };
    });
    const match = orders.find((o) => isDeepStrictEqual(o.expected, observed));
    assert.ok(
      match,
      `settleRace: ${JSON.stringify(observed)} is the outcome of neither order: ${JSON.stringify(orders.map((o) => o.expected))}`,
    );
    this.model = match.model;
  }

  private async rescue(): Promise<void> {
    const now = this.now();
    const expired = this.model.expired(now).map((j) => j.id);
    const rescued = await this.store.rescue({ limit: 1_000, now });
    for (const id of expired) this.model.rescue(id, now);
    const expected = expired.map((id) => {
      const job = this.model.jobs.get(id);
      return { id, state: job?.state, stalls: job?.stalls };
    });
    const actual = rescued.map((r) => ({ id: r.id, state: r.state, stalls: r.stalls }));
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    assert.deepEqual(actual.sort(byId), expected.sort(byId), "rescue: the expired leases");
  }

  private jobRefs(refs: number[]): string[] {
    return refs.map((r) => pick(this.ids, r)).filter((id) => id !== undefined);
  }

  private async cancel(refs: number[]): Promise<void> {
    const ids = this.jobRefs(refs);
    if (ids.length === 0) return;
    const now = this.now();
    const results = await this.store.cancel({ ids, now });
    const expected = ids.map((id) => this.model.cancel(id, now));
    assert.deepEqual(
      results.map((r) => r.previous),
      expected,
      "cancel: the state before, or null",
    );
  }

  private async retry(refs: number[]): Promise<void> {
    const ids = this.jobRefs(refs);
    if (ids.length === 0) return;
    const now = this.now();
    const moved = await this.store.retry({ ids, now });
    const expected = ids.filter((id) => this.model.retry(id, now));
    assert.deepEqual([...moved].sort(), [...expected].sort(), "retry by id: the jobs moved");
  }

  private async retryFilter(queueIx: number, state: "dead" | "cancelled"): Promise<void> {
    const queue = this.queues[queueIx] as string;
    const now = this.now();
    const moved = await this.store.retry({ filter: { queue, state }, now });
    // Which of two dead jobs sharing a key wins is the store's choice: replay the model
    // in the store's order, then check that nothing it skipped could have moved.
    for (const id of moved) {
      assert.ok(this.model.retry(id, now), `retry by filter: ${id} could be retried`);
    }
    const left = [...this.model.jobs.values()].filter(
      (j) => j.queue === queue && j.state === state,
    );
    for (const job of left) {
      assert.ok(!this.model.retry(job.id, now), `retry by filter: ${job.id} was left behind`);
    }
  }

  private async remove(refs: number[]): Promise<void> {
    const ids = this.jobRefs(refs);
    if (ids.length === 0) return;
    const existed = await this.store.remove({ ids });
    const expected = ids.map((id) => this.model.remove(id));
    assert.deepEqual(existed, expected, "remove: whether each job existed");
  }

  /** Compares every job the run created, and each queue's counts, with the model. */
  async verify(): Promise<void> {
    const now = this.now();
    const records = await this.store.get({ ids: this.ids, now });
    this.ids.forEach((id, i) => {
      const record = records[i];
      const expected = this.model.expected(id, now);
      if (!expected || !record) {
        assert.equal(record, expected, `job ${id}: exists exactly when the model has it`);
        return;
      }
      const error =
        expected.error === ANY_ERROR && record.error !== null ? ANY_ERROR : record.error;
      assert.deepEqual(
        {
          name: record.name,
          queue: record.queue,
          state: record.state,
          data: record.data,
          priority: record.priority,
          runAt: record.runAt,
          key: record.key,
          attempt: record.attempt,
          attempts: record.attempts,
          stalls: record.stalls,
          maxStalls: record.maxStalls,
          result: record.result,
          error,
          progress: record.progress,
          logs: record.logs.length,
          finished: record.finishedAt !== null,
        },
        expected,
        `job ${id} matches the model`,
      );
    });
    for (const queue of this.queues) {
      const counts = await this.store.counts({ queue, now });
      assert.deepEqual(counts, this.model.counts(queue, now), `counts of ${queue}`);
    }
  }

  /** Deletes every job of the run, so the next run (and its rescues) starts empty. */
  async cleanup(): Promise<void> {
    if (this.ids.length > 0) await this.store.remove({ ids: this.ids });
  }
}

/** Runs `commands`, verifying after each; the error names the failing step. */
export async function runCommands(
  stores: [Store, Store],
  clock: TestClock,
  commands: Command[],
): Promise<void> {
  const run = new Run(stores, clock);
  try {
    for (const [i, command] of commands.entries()) {
      try {
        await run.step(command);
        await run.verify();
      } catch (error) {
        if (error instanceof Error) error.message = `step ${i} ${command.op}: ${error.message}`;
        throw error;
      }
    }
  } finally {
    await run.cleanup();
  }
}
