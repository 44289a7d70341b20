/**
 * One run of one scenario on one system, in a fresh namespace that is removed after.
 * Producers run in this process; workers run in a child process (see worker-main.ts).
 */
import { loadavg } from "node:os";

import type { BenchClient, BenchJob, BenchSystem, Target } from "./adapters/types.ts";
import type { ScenarioId, Sizes } from "./config.ts";
import { measureServerCpu } from "./server-cpu.ts";
import { now, percentile, sleep } from "./stats.ts";
import { takeWorker } from "./worker-process.ts";

/** What one run measured. */
export interface Measurement {
  jobs: number;
  /** True when the run stopped at its time limit before all its jobs were done. */
  partial: boolean;
  seconds: number;
  /** Node CPU seconds: this process plus the worker process, over the timed window. */
  nodeCpu: number;
  /** Server CPU seconds over the timed window; null for SQLite (no server). */
  serverCpu: number | null;
  /** Pickup latency percentiles in ms (latency scenarios). */
  latency?: { p50: number; p95: number; p99: number; max: number };
  /** Worker process RSS after the run, bytes (backlog scenarios). */
  rss?: number;
  /** The machine's 1-minute load average when the run ended (other work shows here). */
  load?: number;
}

type Window = { stop(): Promise<{ nodeCpu: number; serverCpu: number | null }> };

async function cpuWindow(system: BenchSystem): Promise<Window> {
  const server = await measureServerCpu(system.server);
  const cpu = process.cpuUsage();
  return {
    async stop() {
      const used = process.cpuUsage(cpu);
      return { nodeCpu: (used.user + used.system) / 1e6, serverCpu: await server() };
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function withProducer<T>(
  system: BenchSystem,
  target: Target,
  fn: (client: BenchClient) => Promise<T>,
): Promise<T> {
  const client = await system.open(target, "producer");
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

async function fill(
  client: BenchClient,
  count: number,
  batch: number,
  job: (n: number) => BenchJob,
) {
  for (let n = 0; n < count; n += batch) {
    const size = Math.min(batch, count - n);
    await client.enqueueBatch(Array.from({ length: size }, (_, i) => job(n + i)));
  }
}

async function enqueueSingle(
  system: BenchSystem,
  target: Target,
  sizes: Sizes,
): Promise<Measurement> {
  return withProducer(system, target, async (client) => {
    for (let i = 0; i < 10; i++) await client.enqueue({ n: -1 }); // warm-up: connections, statements
    const window = await cpuWindow(system);
    const start = now();
    const stopAt = start + sizes.singleMaxSeconds * 1000;
    let n = 0;
    const more = () => n % 100 !== 0 || (now() < stopAt && !interruption.requested);
    while (n < sizes.single && more()) await client.enqueue({ n: n++ });
    const seconds = (now() - start) / 1000;
    return { jobs: n, partial: n < sizes.single, seconds, ...(await window.stop()) };
  });
}

async function enqueueBulk(
  system: BenchSystem,
  target: Target,
  sizes: Sizes,
): Promise<Measurement> {
  return withProducer(system, target, async (client) => {
    await client.enqueueBatch(Array.from({ length: 10 }, () => ({ n: -1 }))); // warm-up
    const window = await cpuWindow(system);
    const start = now();
    await fill(client, sizes.bulk, sizes.batch, (n) => ({ n }));
    const seconds = (now() - start) / 1000;
    return { jobs: sizes.bulk, partial: false, seconds, ...(await window.stop()) };
  });
}

async function backlog(
  system: BenchSystem,
  target: Target,
  sizes: Sizes,
  concurrency: number,
): Promise<Measurement> {
  await withProducer(system, target, (client) =>
    fill(client, sizes.backlog, sizes.batch, (n) => ({ n })),
  );
  const worker = takeWorker();
  try {
    const init = {
      systemId: system.id,
      target,
      concurrency,
      expected: sizes.backlog,
      warmup: 0,
      maxMs: sizes.backlogMaxSeconds * 1000,
    };
    await worker.init({ type: "init", mode: "backlog", ...init }, 30_000);
    const window = await cpuWindow(system);
    worker.send({ type: "start" });
    const done = await worker.next("done", sizes.runTimeoutMs);
    const { nodeCpu, serverCpu } = await window.stop();
    if (done.handled === 0) throw new Error(`no job ran within ${sizes.backlogMaxSeconds} s`);
    return {
      jobs: done.handled,
      partial: done.handled < sizes.backlog,
      seconds: (done.end - done.firstStart) / 1000,
      nodeCpu: nodeCpu + done.cpuSeconds,
      serverCpu,
      rss: done.rss,
    };
  } finally {
    await worker.stop();
  }
}

/** Enqueues one job every 1/rate s on a fixed schedule, not waiting for earlier enqueues. */
async function steadyEnqueue(
  client: BenchClient,
  sizes: Sizes,
  pad: string | undefined,
): Promise<void> {
  const count = Math.round(sizes.rate * sizes.seconds);
  const interval = 1000 / sizes.rate;
  const pending: Promise<void>[] = [];
  const start = now();
  for (let i = 0; i < count && !interruption.requested; i++) {
    const due = start + i * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    pending.push(client.enqueue(pad === undefined ? { t: now() } : { t: now(), pad }));
  }
  await Promise.all(pending);
}

async function latency(
  system: BenchSystem,
  target: Target,
  sizes: Sizes,
  payloadBytes: number,
): Promise<Measurement> {
  const pad = payloadBytes > 0 ? "x".repeat(payloadBytes) : undefined;
  const count = Math.round(sizes.rate * sizes.seconds);
  const worker = takeWorker();
  const producer = await system.open(target, "producer");
  try {
    const init = {
      systemId: system.id,
      target,
      concurrency: sizes.latencyConcurrency,
      expected: count,
      warmup: sizes.warmup,
      maxMs: 0,
    };
    await worker.init({ type: "init", mode: "latency", ...init }, 30_000);
    worker.send({ type: "start" });
    await worker.next("started", 30_000);
    for (let i = 0; i < sizes.warmup; i++) await producer.enqueue({ n: -1 });
    await worker.next("warmed", 30_000);
    const window = await cpuWindow(system);
    const start = now();
    await steadyEnqueue(producer, sizes, pad);
    const done = await worker.next("done", sizes.runTimeoutMs);
    const { nodeCpu, serverCpu } = await window.stop();
    const sorted = Float64Array.from(done.latencies).sort();
    return {
      jobs: count,
      partial: false,
      seconds: (done.end - start) / 1000,
      nodeCpu: nodeCpu + done.cpuSeconds,
      serverCpu,
      latency: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? Number.NaN,
      },
    };
  } finally {
    await producer.close();
    await worker.stop();
  }
}

function dispatch(system: BenchSystem, scenario: ScenarioId, target: Target, sizes: Sizes) {
  switch (scenario) {
    case "enqueue-single":
      return enqueueSingle(system, target, sizes);
    case "enqueue-bulk":
      return enqueueBulk(system, target, sizes);
    case "backlog-c1":
      return backlog(system, target, sizes, 1);
    case "backlog-c50":
      return backlog(system, target, sizes, 50);
    case "latency":
      return latency(system, target, sizes, 0);
    case "latency-4k":
      return latency(system, target, sizes, sizes.largePayload);
  }
}

/** Set on Ctrl-C: producers stop early and no new run starts. */
export const interruption = { requested: false };

/** Runs one scenario once in a fresh namespace, and removes the namespace after. */
export async function runScenario(
  system: BenchSystem,
  scenario: ScenarioId,
  sizes: Sizes,
): Promise<Measurement> {
  const target = await system.prepare();
  try {
    // The worker side has its own deadline; this one catches a stuck producer.
    const measurement = await withTimeout(
      dispatch(system, scenario, target, sizes),
      sizes.runTimeoutMs * 2,
      `${system.id} ${scenario}`,
    );
    return { ...measurement, load: loadavg()[0] };
  } finally {
    await system.cleanup(target);
  }
}
