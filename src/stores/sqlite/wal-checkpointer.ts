import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the thread copies committed pages from the -wal file into the database. */
const CHECKPOINT_EVERY_MS = 100;

/**
 * The WAL size (pages) at which a committing connection still checkpoints by itself:
 * SQLite's default while no thread runs, and a far bound should the thread fall behind.
 */
const OWN_CHECKPOINT_PAGES = 1_000;
const FALLBACK_CHECKPOINT_PAGES = 10_000;

// Plain CommonJS run with `eval`, so it needs no file of its own in the build. It opens
// its own connection and only ever runs a PASSIVE checkpoint, which waits for no lock
// and blocks no reader or writer.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("wal_autocheckpoint = 0");
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {}
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a WAL database from a thread of its own. SQLite otherwise checkpoints
 * inside whichever commit takes the -wal file past 1,000 pages: that commit then copies
 * the pages and fsyncs the database, several milliseconds here, and when it is a claim
 * the job it claims waits for it (most of the pickup-latency tail above 2 ms). The
 * store's own connection keeps a far bound (10,000 pages) in case the thread falls
 * behind, and SQLite's default if the thread cannot start or stops.
 */
export class WalCheckpointer {
  private thread: Worker | null = null;
  private exited: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    /** Sets the store connection's own checkpoint threshold (PRAGMA wal_autocheckpoint). */
    private readonly setOwnThreshold: (pages: number) => void,
  ) {}

  /** Starts the thread if it is not running; cheap to call on every write. */
  ensureStarted(): void {
    if (this.thread !== null || this.exited !== null) return;
    let thread: Worker;
    try {
      thread = new Worker(THREAD_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: {
          driver: createRequire(import.meta.url).resolve("better-sqlite3"),
          path: this.path,
          busyTimeoutMs: this.busyTimeoutMs,
          everyMs: CHECKPOINT_EVERY_MS,
        },
      });
    } catch {
      this.exited = Promise.resolve();
      return;
    }
    thread.unref();
    this.thread = thread;
    this.setOwnThreshold(FALLBACK_CHECKPOINT_PAGES);
    this.exited = new Promise((resolve) => {
      const ended = (): void => {
        // Stopped by close() or by a failure: the store checkpoints by itself again.
        if (this.thread === thread) this.restoreOwnThreshold();
        this.thread = null;
        resolve();
      };
      thread.once("exit", ended);
      thread.once("error", ended);
    });
  }

  /** Asks the thread to checkpoint once more and close its connection; waits until it has. */
  async stop(): Promise<void> {
    const thread = this.thread;
    if (thread === null) return;
    this.thread = null;
    // Unreferenced while it runs, so it never keeps a process alive; held now until it ends.
    thread.ref();
    thread.postMessage("stop");
    await this.exited;
  }

  private restoreOwnThreshold(): void {
    try {
      this.setOwnThreshold(OWN_CHECKPOINT_PAGES);
    } catch {
      // The store's connection is closing: nothing left to checkpoint for.
    }
  }
}
