/*
 * The network-fault scenario shared by the PostgreSQL and Redis stores (issue 7,
 * scenario 6, short form): a worker reaches the server through a loopback proxy the
 * test controls while a producer enqueues on a direct connection; a blackhole (sockets
 * open, nothing delivered), added latency and a reset each hit the worker mid-run.
 * Checked: calls through the dead path fail with StoreUnavailableError within two
 * heartbeat intervals (heartbeat = lease / 3), work resumes within 5 s after the fault
 * ends, and every job enqueued completes (0 lost). Prints the measured times.
 */
import assert from "node:assert/strict";

import type { Errand } from "../../src/errand.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import type { BlackholeProxy } from "./blackhole-proxy.ts";

export const LEASE_MS = 3_000;
export const HEARTBEAT_MS = LEASE_MS / 3;
/** The query or command timeout the worker's store is given. */
export const CALL_TIMEOUT_MS = 1_000;
const RESUME_LIMIT_MS = 5_000;

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

export async function until(
  check: () => Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `call` once and returns how long it took to fail with StoreUnavailableError. */
export async function timeToUnavailable(call: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await assert.rejects(call, StoreUnavailableError);
  return Date.now() - started;
}

/** A logger that keeps the worker's warnings with the time each was written. */
export function warningLog(): { logger: Logger; warnings: { at: number; message: string }[] } {
  const warnings: { at: number; message: string }[] = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (message) => void warnings.push({ at: Date.now(), message }),
  };
  return { logger, warnings };
}

export interface NetworkFaultRun {
  /** Store name for the printed figures. */
  label: string;
  proxy: BlackholeProxy;
  /** Enqueues on a direct connection. */
  producer: Errand;
  /** Works through the proxy, on a store given CALL_TIMEOUT_MS and warningLog's logger. */
  worker: Errand;
  warnings: { at: number; message: string }[];
}

/** Runs the scenario, then closes the worker, the producer and the proxy. */
export async function runNetworkFaults(run: NetworkFaultRun): Promise<void> {
  const { label, proxy, producer, worker, warnings } = run;
  const runs = new Map<number, number>();
  const completedAt: number[] = [];
  worker.task<{ n: number }>({
    name: "net.job",
    handler: async (data) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      runs.set(data.n, (runs.get(data.n) ?? 0) + 1);
      completedAt.push(Date.now());
    },
  });
  const task = producer.task<{ n: number }>({ name: "net.job" });
  let next = 0;
  const ids: string[] = [];
  const enqueue = async (count: number): Promise<void> => {
    const items = Array.from({ length: count }, () => ({ data: { n: next++ } }));
    ids.push(...(await task.enqueueMany(items)).map((job) => job.id));
  };
  const figures: string[] = [];
  try {
    await producer.migrate();
    worker.work({ concurrency: 4, lease: LEASE_MS, pollInterval: "50ms" });
    await enqueue(100);
    await until(async () => runs.size >= 50, "the first jobs to run");

    // Blackhole: the worker's connections go silent.
    proxy.blackhole();
    const faultAt = Date.now();
    const detectMs = await timeToUnavailable(() => worker.jobs.get(ids[0] as string));
    await enqueue(100);
    await until(async () => warnings.some((w) => w.at >= faultAt), "the worker to notice");
    const workerNoticedMs = (warnings.find((w) => w.at >= faultAt)?.at ?? 0) - faultAt;
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    const doneDuringFault = runs.size;
    proxy.heal();
    const healedAt = Date.now();
    await until(async () => completedAt.some((t) => t > healedAt), "work to resume", 10_000);
    const resumeMs = (completedAt.find((t) => t > healedAt) ?? 0) - healedAt;
    figures.push(
      `blackhole: a call failed with StoreUnavailableError after ${detectMs} ms, the worker logged the fault after ${workerNoticedMs} ms (heartbeat ${HEARTBEAT_MS} ms); work resumed ${resumeMs} ms after the fault ended`,
    );
    assert.ok(detectMs <= 2 * HEARTBEAT_MS, `detection took ${detectMs} ms`);
    assert.ok(
      workerNoticedMs <= 2 * HEARTBEAT_MS + CALL_TIMEOUT_MS,
      `worker took ${workerNoticedMs} ms`,
    );
    assert.ok(resumeMs <= RESUME_LIMIT_MS, `resuming took ${resumeMs} ms`);
    assert.ok(doneDuringFault < next, "every job ran during the blackhole: the fault did nothing");

    // Latency: 100 ms each way slows the worker down but breaks nothing.
    proxy.latency(100);
    await enqueue(20);
    const before = completedAt.length;
    await until(async () => completedAt.length >= before + 10, "work under latency");
    proxy.heal();

    // Reset: every connection cut at once; the store opens new ones.
    await enqueue(50);
    proxy.reset();
    const resetAt = Date.now();
    const afterReset = await timeToUnavailable(() => worker.jobs.get(ids[0] as string)).catch(
      () => -1,
    );
    await until(async () => completedAt.some((t) => t > resetAt), "work after a reset", 10_000);
    figures.push(
      `reset: first call after it ${afterReset < 0 ? "succeeded on a new connection" : `failed in ${afterReset} ms`}; work resumed ${(completedAt.find((t) => t > resetAt) ?? 0) - resetAt} ms after it`,
    );

    await until(
      async () => (await producer.queues.counts("default")).completed >= next,
      "every job to complete",
      30_000,
    );
    const counts = await producer.queues.counts("default");
    const twice = [...runs.values()].filter((n) => n > 1).length;
    figures.push(
      `${next} jobs enqueued, ${counts.completed} completed, ${next - runs.size} lost, ${twice} ran twice (a lease lost in the blackhole), ${proxy.accepted} connections opened through the proxy`,
    );
    assert.equal(counts.completed, next);
    assert.equal(counts.dead, 0);
    assert.deepEqual(unhandled, []);
  } finally {
    console.log(figures.map((f) => `${label} network faults: ${f}`).join("\n"));
    proxy.heal();
    await worker.close({ grace: 0 });
    await producer.close();
    await proxy.close();
  }
}
