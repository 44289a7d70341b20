import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Worker } from "node:worker_threads";

import { StoreUnavailableError } from "../../src/errors.ts";
import { retryWhileBusy } from "../../src/stores/sqlite/lock-wait.ts";
import { SqliteStore } from "../../src/stores/sqlite/sqlite-store.ts";
import { newJob } from "../harness/new-job.ts";

const dir = join(tmpdir(), `errand-sqlite-locks-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function busy(): Error {
  return Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
}

test("retryWhileBusy tries again after a busy failure only, and gives up at its timeout", () => {
  let calls = 0;
  const value = retryWhileBusy(() => {
    if (++calls < 4) throw busy();
    return "done";
  }, 1_000);
  assert.equal(value, "done");
  assert.equal(calls, 4);

  let other = 0;
  assert.throws(
    () =>
      retryWhileBusy(() => {
        other += 1;
        throw Object.assign(new Error("no"), { code: "SQLITE_CONSTRAINT" });
      }, 1_000),
    /no/,
  );
  assert.equal(other, 1);

  const started = performance.now();
  assert.throws(
    () =>
      retryWhileBusy(() => {
        throw busy();
      }, 30),
    /locked/,
  );
  const waited = performance.now() - started;
  assert.ok(waited >= 29 && waited < 1_000, `waited ${waited} ms`);
});

/**
 * Holds the file's write lock from another thread for `holdMs`; resolves once it is held,
 * with a promise of the time (performance.timeOrigin-based) at which it let go.
 */
async function holdWriteLock(
  path: string,
  holdMs: number,
): Promise<{ released: Promise<number>; done: Promise<void> }> {
  const thread = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const Database = require(workerData.driver);
    const db = new Database(workerData.path);
    db.exec("BEGIN IMMEDIATE");
    parentPort.postMessage("held");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
    db.exec("COMMIT");
    parentPort.postMessage(performance.timeOrigin + performance.now());
    db.close();
    `,
    {
      eval: true,
      execArgv: [],
      workerData: {
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
        path,
        holdMs,
      },
    },
  );
  const messages: unknown[] = [];
  let notify: (() => void) | null = null;
  thread.on("message", (m) => {
    messages.push(m);
    notify?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((r) => (notify = r));
    return messages.shift();
  };
  assert.equal(await next(), "held");
  const done = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
  return { released: next() as Promise<number>, done };
}

test("a write waits for another connection's lock and takes it within a millisecond or so of its release", async () => {
  const path = join(dir, `l${++files}.db`);
  const store = new SqliteStore({ path });
  try {
    await store.enqueue({ jobs: [newJob()] });
    // SQLite's own busy handler would try at 1, 3, 8, 18, 33, 53 and 78 ms: 18 ms late here.
    const lock = await holdWriteLock(path, 60);
    await store.enqueue({ jobs: [newJob()] });
    const took = performance.timeOrigin + performance.now();
    const late = took - (await lock.released);
    await lock.done;
    assert.ok(late < 10, `took the lock ${late.toFixed(2)} ms after its release`);
  } finally {
    await store.close();
  }
});

test("a write that cannot get the lock within busyTimeoutMs fails with StoreUnavailableError and writes nothing", async () => {
  const path = join(dir, `l${++files}.db`);
  const store = new SqliteStore({ path, busyTimeoutMs: 20 });
  try {
    await store.enqueue({ jobs: [newJob()] });
    const lock = await holdWriteLock(path, 300);
    await assert.rejects(store.enqueue({ jobs: [newJob()] }), StoreUnavailableError);
    await lock.released;
    await lock.done;
    const counts = await store.counts({ queue: "default" });
    assert.equal(counts.waiting, 1);
  } finally {
    await store.close();
  }
});

test("committed pages reach the database file from the checkpoint thread, and close leaves no -wal file", async () => {
  const path = join(dir, `l${++files}.db`);
  const store = new SqliteStore({ path });
  try {
    await store.enqueue({ jobs: [newJob()] });
    const before = statSync(path).size;
    // Past the thread's 1,000 pages and far short of the store connection's own 10,000:
    // only the thread copies them.
    const data = JSON.stringify("x".repeat(2_000));
    for (let i = 0; i < 30; i++) {
      await store.enqueue({ jobs: Array.from({ length: 100 }, () => newJob({ data })) });
    }
    const deadline = Date.now() + 5_000;
    while (statSync(path).size === before && Date.now() < deadline) await delay(20);
    assert.ok(statSync(path).size > before, "the database file never grew");
    // The store's own connection left it to the thread (its bound is far beyond 1,000).
    const own = (store as unknown as { db: { pragma(s: string, o: object): unknown } }).db;
    assert.equal(own.pragma("wal_autocheckpoint", { simple: true }), 10_000);
  } finally {
    await store.close();
  }
  assert.equal(existsSync(`${path}-wal`), false);
});
