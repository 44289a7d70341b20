import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import Database from "better-sqlite3";

import type { StoreEvent } from "../../src/stores/contract.ts";
import { fromTuples, toTuples } from "../../src/stores/event-tuples.ts";
import { SqliteStore } from "../../src/stores/sqlite/sqlite-store.ts";
import { newJob } from "../harness/new-job.ts";

const dir = join(tmpdir(), `errand-sqlite-enqueue-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

interface Heard {
  origin: string;
  events: StoreEvent[];
}

function heard(store: SqliteStore, skipOrigin?: string): Heard[] {
  const seen: Heard[] = [];
  store.subscribe(
    (events, origin) => seen.push({ origin, events }),
    skipOrigin === undefined ? {} : { skipOrigin },
  );
  return seen;
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await delay(5);
}

/** Event rows in the file, read through a connection of the test's own. */
function eventRows(path: string): { origin: string; body: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT origin, body FROM errand_events ORDER BY id").all() as {
      origin: string;
      body: string;
    }[];
  } finally {
    db.close();
  }
}

test("an enqueue with an origin writes its jobs' enqueued batch in its own transaction, which another store hears", async () => {
  const path = join(dir, `e${++files}.db`);
  const writer = new SqliteStore({ path });
  const reader = new SqliteStore({ path, eventPollMs: 600_000 });
  try {
    assert.equal(writer.capabilities.publishesEnqueued, true);
    const seenByReader = heard(reader);
    const seenByWriter = heard(writer);
    const now = 1_700_000_000_000;
    const results = await writer.enqueue({
      jobs: [newJob({ name: "a", queue: "q1" }), newJob({ name: "b", queue: "q2" })],
      origin: "w",
      now,
    });
    const expected: StoreEvent[] = [
      { type: "enqueued", jobId: results[0]!.id, name: "a", queue: "q1", at: now },
      { type: "enqueued", jobId: results[1]!.id, name: "b", queue: "q2", at: now },
    ];
    // As a publish() of the same batch: the store's own subscribers hear it at once.
    assert.deepEqual(seenByWriter, [{ origin: "w", events: expected }]);
    await until(() => seenByReader.length > 0, 5_000);
    assert.deepEqual(seenByReader, [{ origin: "w", events: expected }]);
    // One row for the whole call, and no transaction of its own left waiting to write it.
    assert.deepEqual(eventRows(path), [{ origin: "w", body: JSON.stringify(toTuples(expected)) }]);
  } finally {
    await reader.close();
    await writer.close();
  }
});

test("a deduplicated enqueue, or one without an origin, publishes nothing", async () => {
  const path = join(dir, `e${++files}.db`);
  const writer = new SqliteStore({ path });
  try {
    const [first] = await writer.enqueue({ jobs: [newJob({ key: "k" })], origin: "w" });
    assert.equal(first?.created, true);
    const [again] = await writer.enqueue({ jobs: [newJob({ key: "k" })], origin: "w" });
    assert.equal(again?.created, false);
    await writer.enqueue({ jobs: [newJob()] });
    const rows = eventRows(path);
    assert.equal(rows.length, 1);
    assert.deepEqual(
      fromTuples(JSON.parse(rows[0]!.body))!.map((e) => e.jobId),
      [first?.id],
    );
  } finally {
    await writer.close();
  }
});

test("a subscriber skips batches of its skipOrigin without decoding them, and still hears the rest", async (t) => {
  const path = join(dir, `e${++files}.db`);
  const writer = new SqliteStore({ path });
  const reader = new SqliteStore({ path, eventPollMs: 5 });
  try {
    const skipping = heard(reader, "me");
    const skippedBody = JSON.stringify([
      { type: "completed", jobId: "skipped", name: "t", queue: "q", at: 0 },
    ]);
    const parse = t.mock.method(JSON, "parse");
    await writer.publish({ origin: "me", events: JSON.parse(skippedBody) as StoreEvent[] });
    await writer.enqueue({ jobs: [newJob()], origin: "other" });
    await until(() => skipping.length > 0, 5_000);
    await delay(50);
    assert.deepEqual(
      skipping.map((h) => h.origin),
      ["other"],
    );
    const decodedSkipped = parse.mock.calls.filter((c) => c.arguments[0] === skippedBody);
    // The one call is the test's own, above.
    assert.equal(decodedSkipped.length, 1);
    // Another subscriber of the same store, skipping nothing, still hears both batches.
    const all = heard(reader);
    await writer.publish({ origin: "me", events: [{ ...JSON.parse(skippedBody)[0], jobId: "x" }] });
    await until(() => all.length > 0, 5_000);
    assert.deepEqual(
      all.map((h) => h.origin),
      ["me"],
    );
    assert.equal(skipping.length, 1);
  } finally {
    await reader.close();
    await writer.close();
  }
});
