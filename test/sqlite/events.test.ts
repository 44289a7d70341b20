import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import Database from "better-sqlite3";

import type { StoreEvent } from "../../src/stores/contract.ts";
import { SqliteStore } from "../../src/stores/sqlite/sqlite-store.ts";

const dir = join(tmpdir(), `errand-sqlite-events-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function event(jobId: string): StoreEvent {
  return { type: "enqueued", jobId, name: "t", queue: "q", at: 0 };
}

function heard(store: SqliteStore): { origin: string; jobId: string }[] {
  const seen: { origin: string; jobId: string }[] = [];
  store.subscribe((events, origin) => {
    for (const e of events) seen.push({ origin, jobId: e.jobId });
  });
  return seen;
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await delay(5);
}

test("a listener hears another connection's events through the -wal watch, long before its poll", async () => {
  const path = join(dir, `w${++files}.db`);
  const writer = new SqliteStore({ path });
  // A poll this slow never runs during the test: only the watch can deliver.
  const reader = new SqliteStore({ path, eventPollMs: 600_000 });
  try {
    const seen = heard(reader);
    await writer.publish({ origin: "other", events: [event("1")] });
    await until(() => seen.length > 0, 5_000);
    assert.deepEqual(seen, [{ origin: "other", jobId: "1" }]);
    await writer.publish({ origin: "other", events: [event("2"), event("3")] });
    await until(() => seen.length > 2, 5_000);
    assert.deepEqual(
      seen.map((s) => s.jobId),
      ["1", "2", "3"],
    );
  } finally {
    await reader.close();
    await writer.close();
  }
});

test("a store's own events reach its subscribers once, in memory, and other stores once each", async () => {
  const path = join(dir, `w${++files}.db`);
  const a = new SqliteStore({ path, eventPollMs: 5 });
  const b = new SqliteStore({ path, eventPollMs: 5 });
  try {
    const seenByA = heard(a);
    const seenByB = heard(b);
    await a.publish({ origin: "a", events: [event("1")] });
    // Delivered to a's own subscriber when publish returns, without reading the file.
    assert.deepEqual(seenByA, [{ origin: "a", jobId: "1" }]);
    await b.publish({ origin: "b", events: [event("2")] });
    await until(() => seenByA.length >= 2 && seenByB.length >= 2, 5_000);
    // Many polls later, nothing came twice. Batches of different stores may arrive in
    // either order: a store's own come at once, the others' at its next check.
    await delay(100);
    const byId = (x: { jobId: string }, y: { jobId: string }) => x.jobId.localeCompare(y.jobId);
    assert.deepEqual(seenByA.sort(byId), [
      { origin: "a", jobId: "1" },
      { origin: "b", jobId: "2" },
    ]);
    assert.deepEqual(seenByB.sort(byId), [
      { origin: "a", jobId: "1" },
      { origin: "b", jobId: "2" },
    ]);
  } finally {
    await a.close();
    await b.close();
  }
});

test("other events ride in the next write transaction, and close writes what is still pending", async () => {
  const path = join(dir, `w${++files}.db`);
  const writer = new SqliteStore({ path });
  const reader = new SqliteStore({ path, eventPollMs: 5 });
  try {
    const seen = heard(reader);
    const completed: StoreEvent = { ...event("1"), type: "completed", result: "null" };
    const written = writer.publish({ origin: "w", events: [completed] });
    // The enqueue's transaction carries the waiting batch; publish resolves once it commits.
    await writer.enqueue({
      jobs: [
        {
          name: "t",
          queue: "q",
          data: "1",
          priority: 0,
          runAt: null,
          delayMs: 0,
          attempts: 1,
          maxStalls: 1,
          key: null,
          group: null,
          debounceMs: null,
          throttleMs: null,
        },
      ],
    });
    await written;
    await until(() => seen.length > 0, 5_000);
    assert.deepEqual(seen, [{ origin: "w", jobId: "1" }]);
    void writer.publish({ origin: "w", events: [{ ...completed, jobId: "2" }] });
    await writer.close();
    await until(() => seen.length > 1, 5_000);
    assert.deepEqual(
      seen.map((s) => s.jobId),
      ["1", "2"],
    );
  } finally {
    await reader.close();
    await writer.close();
  }
});

test("old event batches are pruned as new ones are appended, and recent ones kept", async () => {
  const path = join(dir, `w${++files}.db`);
  const store = new SqliteStore({ path });
  try {
    await store.enqueue({
      jobs: [
        {
          name: "t",
          queue: "q",
          data: "1",
          priority: 0,
          runAt: null,
          delayMs: 0,
          attempts: 1,
          maxStalls: 1,
          key: null,
          group: null,
          debounceMs: null,
          throttleMs: null,
        },
      ],
    });
    const raw = new Database(path);
    const insert = raw.prepare(
      "INSERT INTO errand_events (origin, at, body) VALUES ('old', 0, '[]')",
    );
    for (let i = 0; i < 10; i++) insert.run();
    raw.close();
    // A prune runs every 500 appended batches.
    for (let i = 0; i < 500; i++)
      await store.publish({ origin: "new", events: [event(String(i))] });
    const check = new Database(path, { readonly: true });
    const counts = check
      .prepare("SELECT origin, count(*) AS n FROM errand_events GROUP BY origin ORDER BY origin")
      .all();
    check.close();
    assert.deepEqual(counts, [{ origin: "new", n: 500 }]);
  } finally {
    await store.close();
  }
});

test("rows of events as objects (written before tuples) are still heard, and a malformed row does not stop the reader", async () => {
  const path = join(dir, `f${++files}.db`);
  const writer = new SqliteStore({ path });
  const reader = new SqliteStore({ path, eventPollMs: 600_000 });
  try {
    const seen = heard(reader);
    const raw = new Database(path);
    const insert = raw.prepare("INSERT INTO errand_events (origin, at, body) VALUES (?, 0, ?)");
    insert.run("old", JSON.stringify([event("1"), { ...event("2"), attempt: 2 }]));
    insert.run("bad", JSON.stringify({ not: "a batch" }));
    insert.run("bad", JSON.stringify([["enqueued"]]));
    raw.close();
    await writer.publish({ origin: "new", events: [event("3")] });
    await until(() => seen.length >= 3, 5_000);
    assert.deepEqual(seen, [
      { origin: "old", jobId: "1" },
      { origin: "old", jobId: "2" },
      { origin: "new", jobId: "3" },
    ]);
  } finally {
    await writer.close();
    await reader.close();
  }
});

test("a batch is stored as tuples: name, queue and time once for a run of events that share them", async () => {
  const path = join(dir, `t${++files}.db`);
  const store = new SqliteStore({ path });
  try {
    const at = 1_700_000_000_000;
    await store.publish({
      origin: "w",
      events: [
        { type: "started", jobId: "1", name: "t", queue: "q", at, attempt: 1 },
        { type: "completed", jobId: "1", name: "t", queue: "q", at, attempt: 1, result: "7" },
      ],
    });
    const check = new Database(path, { readonly: true });
    const row = check.prepare("SELECT body FROM errand_events").get() as { body: string };
    check.close();
    assert.deepEqual(JSON.parse(row.body), [
      ["started", "1", "t", "q", at, 1],
      ["completed", "1", null, null, null, 1, "7"],
    ]);
  } finally {
    await store.close();
  }
});
