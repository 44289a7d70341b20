import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the thread looks at how far the database file is behind the -wal file. */
const LOOK_EVERY_MS = 50;

/**
 * Pages: the thread checkpoints once this many are not yet in the database file, and a
 * committing connection does it by itself at the same size (SQLite's default) while no
 * thread runs, or at a far bound should the thread fall behind.
 */
const CHECKPOINT_PAGES = 1_000;
const FALLBACK_CHECKPOINT_PAGES = 10_000;

// Plain CommonJS run with `eval`, so it needs no file of its own in the build. It opens
// its own connection and only ever runs a PASSIVE checkpoint, which waits for no lock
// and blocks no reader or writer. How far behind the file is comes from the -shm file's
// header (https://sqlite.org/walformat.html): mxFrame, the last valid frame, at byte 16
// and nBackfill, the frames already copied, at byte 96, both in native byte order. A
// header it cannot read counts as far behind: the checkpoint then decides.
const THREAD_SOURCE = `
const { closeSync, openSync, readSync } = require("node:fs");
const { endianness } = require("node:os");
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("wal_autocheckpoint = 0");
const header = Buffer.alloc(100);
const little = endianness() === "LE";
let shm = null;
const behind = () => {
  try {
    shm ??= openSync(workerData.path + "-shm", "r");
    if (readSync(shm, header, 0, 100, 0) < 100) return Infinity;
    const frames = little ? header.readUInt32LE(16) : header.readUInt32BE(16);
    const copied = little ? header.readUInt32LE(96) : header.readUInt32BE(96);
    return frames - copied;
  } catch {
    return Infinity;
  }
};
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {}
};
const timer = setInterval(() => {
  if (behind() >= workerData.pages) checkpoint();
}, workerData.everyMs);
parentPort.once("message", () => {
  clearInterval(timer);
  // A descriptor belongs to the process, not the thread: it outlives the thread unless closed.
  try {
    if (shm !== null) closeSync(shm);
  } catch {}
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
          everyMs: LOOK_EVERY_MS,
          pages: CHECKPOINT_PAGES,
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

  /** Asks the thread to close its connection; waits until it has. */
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
      this.setOwnThreshold(CHECKPOINT_PAGES);
    } catch {
      // The store's connection is closing: nothing left to checkpoint for.
    }
  }
}
