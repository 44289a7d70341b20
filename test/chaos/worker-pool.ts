/*
 * Worker processes under the parent's control: started, SIGKILLed, frozen and thawed,
 * each fault written to the parent's ledger before it is done, so the classifier can
 * trace a duplicate to the process that lost its lease.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

import type { LedgerWriter } from "./ledger.ts";
import type { ChaosChildMessage, ChaosWorkerConfig } from "./messages.ts";

const WORKER_FILE = fileURLToPath(new URL("./chaos-worker.ts", import.meta.url));
const SKEW_FILE = fileURLToPath(new URL("./skew-preload.ts", import.meta.url));

/** One running chaos worker incarnation. */
export class ChaosWorker {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly child: ChildProcess;
  private stderr = "";

  constructor(
    readonly config: ChaosWorkerConfig,
    private readonly faults: LedgerWriter,
    skewMs = 0,
  ) {
    const preload = skewMs === 0 ? [] : ["--import", SKEW_FILE];
    this.child = fork(WORKER_FILE, [JSON.stringify(config)], {
      execArgv: ["--import", "tsx", ...preload],
      env: { ...process.env, CHAOS_SKEW_MS: String(skewMs) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.child.stderr?.setEncoding("utf8").on("data", (c: string) => (this.stderr += c));
    this.exited = once(this.child, "exit").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as string | null,
    }));
  }

  get tag(): string {
    return this.config.tag;
  }

  get errors(): string {
    return this.stderr;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the worker claims; rejects if it exits first. */
  ready(): Promise<void> {
    return this.next("ready");
  }

  private next(type: ChaosChildMessage["type"]): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: ChaosChildMessage): void => {
        if (m.type !== type) return;
        this.child.off("message", onMessage);
        resolve();
      };
      this.child.on("message", onMessage);
      void this.exited.then((exit) =>
        reject(new Error(`worker ${this.tag} exited ${JSON.stringify(exit)}: ${this.stderr}`)),
      );
    });
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    // Written once the signal is sent, not before: the time must bound every start the
    // killed worker wrote. Written first, a worker that ran on for a few milliseconds
    // (the parent descheduled between its write and the kill) started jobs "after" its
    // recorded death, and their reruns counted as untraced duplicates.
    this.child.kill("SIGKILL");
    this.faults.write({ e: "fault", kind: "kill", target: this.tag });
    await this.exited;
  }

  freeze(): void {
    this.faults.write({ e: "fault", kind: "stop", target: this.tag });
    this.child.kill("SIGSTOP");
  }

  thaw(): void {
    this.faults.write({ e: "fault", kind: "cont", target: this.tag });
    this.child.kill("SIGCONT");
  }

  /** Closes the worker gracefully (running jobs get 5 s) and waits for its exit. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.send({ type: "stop" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills without a fault entry: cleanup after a test, not an injected fault. */
  dispose(): void {
    if (this.alive) {
      this.child.kill("SIGCONT");
      this.child.kill("SIGKILL");
    }
  }
}
