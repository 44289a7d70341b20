/**
 * A worker process: opens one system's namespace, runs its worker when told to, and
 * reports when the measured jobs are done. It runs apart from the producer so the two
 * never share an event loop, as one worker process would in production.
 */
import { loadSystem } from "./adapters/index.ts";
import type { BenchClient, BenchJob } from "./adapters/types.ts";
import { now, sleep } from "./stats.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.ts";

function send(message: FromWorker): void {
  process.send?.(message);
}

function fail(error: unknown): void {
  send({
    type: "error",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}

class Run {
  private handled = 0;
  private warm = 0;
  private firstStart = 0;
  private lastHandled = 0;
  private finished = false;
  private readonly latencies: number[] = [];
  private cpuStart: NodeJS.CpuUsage = process.cpuUsage();

  constructor(
    private readonly init: WorkerInit,
    private readonly client: BenchClient,
  ) {}

  async start(): Promise<void> {
    this.cpuStart = process.cpuUsage();
    await this.client.startWorker(this.init.concurrency, (job) => this.onJob(job));
    send({ type: "started" });
    if (this.init.mode === "backlog") {
      setTimeout(() => this.report(this.lastHandled), this.init.maxMs).unref();
    }
  }

  private onJob(job: BenchJob): void {
    const at = now();
    if (job.n === -1) {
      if (++this.warm === this.init.warmup) send({ type: "warmed" });
      return;
    }
    if (this.handled === 0) this.firstStart = at;
    this.lastHandled = at;
    if (job.t !== undefined) this.latencies.push(at - job.t);
    if (++this.handled === this.init.expected) void this.finish().catch(fail);
  }

  private async finish(): Promise<void> {
    // Backlog runs end when the completions are committed, not when the handlers return.
    if (this.init.mode === "backlog") {
      while (!(await this.client.drained())) await sleep(2);
    }
    this.report(now());
  }

  private report(end: number): void {
    if (this.finished) return;
    this.finished = true;
    const cpu = process.cpuUsage(this.cpuStart);
    send({
      type: "done",
      firstStart: this.firstStart,
      end,
      handled: this.handled,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rss: process.memoryUsage().rss,
      latencies: this.latencies,
    });
  }
}

let client: BenchClient | null = null;
let run: Run | null = null;

async function onMessage(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "init": {
      const system = await loadSystem(message.systemId);
      client = await system.open(message.target, "worker");
      run = new Run(message, client);
      send({ type: "ready" });
      return;
    }
    case "start":
      await run?.start();
      return;
    case "stop":
      await client?.close();
      send({ type: "closed" });
      process.disconnect?.();
      // Some clients leave timers behind; the run is over, so do not wait for them.
      setTimeout(() => process.exit(0), 200).unref();
      return;
  }
}

process.on("message", (message: ToWorker) => {
  onMessage(message).catch(fail);
});
process.on("disconnect", () => setTimeout(() => process.exit(0), 1_000).unref());
