/** The harness's handle on one worker process: spawn, ask, wait for answers, stop. */
import { type ChildProcess, fork } from "node:child_process";

import type { FromWorker, ToWorker, WorkerDone, WorkerInit } from "./worker-protocol.ts";

type Waiter = {
  type: FromWorker["type"];
  resolve: (message: FromWorker) => void;
  reject: (error: Error) => void;
};

/** Extra node flags for worker processes, e.g. `--cpu-prof` (set by `--profile`). */
export const workerFlags: string[] = [];

const live = new Set<WorkerProcess>();
let stopped = false;

/** Ends every worker process now, and refuses to start new ones (on Ctrl-C). */
export async function stopAllWorkers(): Promise<void> {
  stopped = true;
  await Promise.allSettled([...live].map((worker) => worker.kill()));
}

export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly waiters: Waiter[] = [];
  private readonly early: FromWorker[] = [];
  private failure: Error | null = null;

  constructor() {
    this.child = fork(new URL("./worker-main.ts", import.meta.url), [], {
      execArgv: ["--import", "tsx", ...workerFlags],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (message: FromWorker) => this.onMessage(message));
    live.add(this);
    this.child.on("exit", (code, signal) => {
      live.delete(this);
      this.abort(new Error(`the worker process exited (${signal ?? `code ${code}`})`));
    });
  }

  /** Opens the system in the worker process. */
  async init(init: WorkerInit, timeoutMs: number): Promise<void> {
    this.send(init);
    await this.next("ready", timeoutMs);
  }

  send(message: ToWorker): void {
    if (this.failure) throw this.failure;
    this.child.send(message);
  }

  /** Waits for the next message of a type; an `error` message or the child's exit rejects. */
  next(type: "done", timeoutMs: number): Promise<WorkerDone>;
  next(type: FromWorker["type"], timeoutMs: number): Promise<FromWorker>;
  next(type: FromWorker["type"], timeoutMs: number): Promise<FromWorker> {
    const index = this.early.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(this.early.splice(index, 1)[0] as FromWorker);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no "${type}" from the worker within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const waiter: Waiter = {
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Asks the worker to close its connections, then makes sure the process is gone. */
  async stop(): Promise<void> {
    if (this.running() && !this.failure) {
      try {
        this.send({ type: "stop" });
        await this.next("closed", 15_000);
        await this.exited(3_000);
        return;
      } catch {
        // Stopping politely is best effort; the kill below ends it either way.
      }
    }
    await this.kill();
  }

  /** Ends the process now (SIGTERM, then SIGKILL if it lingers). */
  async kill(): Promise<void> {
    if (!this.running()) return;
    this.child.kill("SIGTERM");
    await this.exited(3_000);
  }

  /** True while the process runs and nothing went wrong. */
  usable(): boolean {
    return this.running() && this.failure === null;
  }

  private running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private async exited(graceMs: number): Promise<void> {
    if (!this.running()) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(message: FromWorker): void {
    if (message.type === "error") {
      this.abort(new Error(`worker process: ${message.message}`));
      return;
    }
    const index = this.waiters.findIndex((w) => w.type === message.type);
    if (index < 0) this.early.push(message);
    else this.waiters.splice(index, 1)[0]?.resolve(message);
  }

  private abort(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}

let spare: WorkerProcess | null = null;
let keepSpare = false;

/**
 * Smoke runs keep one worker process started ahead, so process start-up (loading
 * TypeScript) overlaps the previous run. Full runs do not: start-up would then compete
 * for the CPU with the run being measured.
 */
export function startWorkersAhead(on: boolean): void {
  keepSpare = on;
}

/** A worker process that has not run anything yet. */
export function takeWorker(): WorkerProcess {
  if (stopped) throw new Error("interrupted");
  const worker = spare?.usable() ? spare : new WorkerProcess();
  spare = keepSpare ? new WorkerProcess() : null;
  return worker;
}

/** Ends the process started ahead, if any. */
export async function dropSpareWorker(): Promise<void> {
  await spare?.kill();
  spare = null;
}
