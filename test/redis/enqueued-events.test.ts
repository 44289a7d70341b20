/*
 * Events on Redis: enqueue writes its jobs' `enqueued` events into the event stream in the
 * same script as the insert (capability publishesEnqueued), as one entry that reads exactly
 * like a publish of the same events; and a subscriber that skips its own origin never
 * decodes the entries published under it.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import { Redis } from "ioredis";

import { Errand } from "../../src/errand.ts";
import type { Logger } from "../../src/logger.ts";
import type { StoreEvent } from "../../src/stores/contract.ts";
import { RedisKeys } from "../../src/stores/redis/keys.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { newJob } from "../harness/new-job.ts";
import { deletePrefix, TEST_REDIS_URL, testPrefix } from "../harness/redis-harness.ts";

type Batch = { events: StoreEvent[]; origin: string };

/** Names that JSON must escape, plus '/' (which cjson would escape and JSON.stringify does not). */
const ODD_QUEUE = 'q "quoted" \\ back/slash\n\u0001 é 🚀';
const ODD_TASK = "task\t/\u001f\"'";

/** A logger that remembers warnings and errors, so a test can say there were none. */
function recordingLogger(): Logger & { problems: string[] } {
  const problems: string[] = [];
  return {
    problems,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => problems.push(message),
    error: (message) => problems.push(message),
  };
}

/** Collects the batches a subscription receives; `next` waits for one that matches. */
function collector() {
  const batches: Batch[] = [];
  const waiters: { match: (b: Batch) => boolean; resolve: (b: Batch) => void }[] = [];
  const handler = (events: StoreEvent[], origin: string) => {
    const batch = { events, origin };
    batches.push(batch);
    for (const w of [...waiters]) {
      if (w.match(batch)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(batch);
      }
    }
  };
  const next = (match: (b: Batch) => boolean) =>
    new Promise<Batch>((resolve) => {
      const found = batches.find(match);
      if (found) resolve(found);
      else waiters.push({ match, resolve });
    });
  return { batches, handler, next };
}

/**
 * Resolves once `heard` (a subscription on `stream`) reads new entries: a subscription
 * starts at the stream's end as seen when it connects, so warm-up entries are appended
 * until one arrives. Returns the warm-up job id that got through.
 */
async function untilListening(raw: Redis, stream: string, heard: (id: string) => boolean) {
  for (let round = 0; ; round += 1) {
    const id = `0:warm-up-${round}`;
    const event = { type: "enqueued", jobId: id, name: "warm-up", queue: "warm-up", at: 1 };
    await raw.xadd(stream, "*", "o", "warm-up", "e", JSON.stringify([event]));
    for (let wait = 0; wait < 20; wait += 1) {
      if (heard(id)) return id;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe("Redis enqueued events", () => {
  let prefix: string;
  let producer: RedisStore;
  let listener: RedisStore;
  let raw: Redis;
  let logger: ReturnType<typeof recordingLogger>;
  let stream: string;

  beforeEach(() => {
    prefix = testPrefix();
    logger = recordingLogger();
    producer = new RedisStore({ url: TEST_REDIS_URL, prefix, logger });
    listener = new RedisStore({ url: TEST_REDIS_URL, prefix, logger });
    raw = new Redis(TEST_REDIS_URL);
    stream = new RedisKeys(prefix).events;
  });

  afterEach(async () => {
    await producer.close();
    await listener.close();
    await deletePrefix(raw, prefix);
    raw.disconnect();
  });

  it("publishes the created jobs' events with the insert, as publish would write them", async () => {
    assert.equal(producer.capabilities.publishesEnqueued, true);
    const now = 1_800_000_000_123;
    const jobs = [newJob({ name: ODD_TASK, queue: ODD_QUEUE }), newJob({ queue: ODD_QUEUE })];
    const results = await producer.enqueue({ jobs, origin: "producer-1", now });
    const entries = await raw.xrange(stream, "-", "+");
    assert.equal(entries.length, 1, "one entry for the whole batch");
    const expected: StoreEvent[] = results.map((r, i) => ({
      type: "enqueued",
      jobId: r.id,
      name: (jobs[i] as (typeof jobs)[number]).name,
      queue: ODD_QUEUE,
      at: now,
    }));
    const [, fields] = entries[0] as [string, string[]];
    assert.deepEqual(fields, ["o", "producer-1", "e", JSON.stringify(expected)]);
  });

  it("another subscriber hears the events with the ids enqueue returned", async () => {
    const heard = collector();
    listener.subscribe(heard.handler);
    await untilListening(raw, stream, (id) =>
      heard.batches.some((b) => b.events.some((e) => e.jobId === id)),
    );
    const results = await producer.enqueue({
      jobs: [newJob({ queue: "mail" }), newJob({ queue: "mail", name: "other" })],
      origin: "producer-1",
    });
    const batch = await heard.next((b) => b.origin === "producer-1");
    assert.deepEqual(
      batch.events.map((e) => [e.type, e.jobId, e.name, e.queue]),
      [
        ["enqueued", results[0]?.id, "t", "mail"],
        ["enqueued", results[1]?.id, "other", "mail"],
      ],
    );
  });

  it("writes no event for a deduplicated job, and no entry when nothing was created", async () => {
    const first = await producer.enqueue({ jobs: [newJob({ key: "k" })], origin: "p" });
    assert.equal(await raw.xlen(stream), 1);
    const again = await producer.enqueue({
      jobs: [newJob({ key: "k" }), newJob({ key: "k" })],
      origin: "p",
    });
    assert.deepEqual(
      again.map((r) => [r.id, r.created]),
      [
        [first[0]?.id, false],
        [first[0]?.id, false],
      ],
    );
    assert.equal(await raw.xlen(stream), 1, "nothing created, nothing published");
    const mixed = await producer.enqueue({
      jobs: [newJob({ key: "k" }), newJob({ key: "k2" })],
      origin: "p",
    });
    const entries = await raw.xrange(stream, "-", "+");
    assert.equal(entries.length, 2);
    const events = JSON.parse((entries[1] as [string, string[]])[1][3] as string) as StoreEvent[];
    assert.deepEqual(
      events.map((e) => e.jobId),
      [mixed[1]?.id],
    );
  });

  it("publishes nothing without an origin", async () => {
    await producer.enqueue({ jobs: [newJob(), newJob()] });
    assert.equal(await raw.xlen(stream), 0);
  });

  it("a batch over several queues still goes out as one entry, after the insert", async () => {
    const now = 1_800_000_000_456;
    const jobs = [newJob({ queue: "a" }), newJob({ queue: "b" }), newJob({ queue: "a" })];
    const results = await producer.enqueue({ jobs, origin: "p", now });
    const entries = await raw.xrange(stream, "-", "+");
    assert.equal(entries.length, 1);
    const expected = results.map((r, i) => ({
      type: "enqueued",
      jobId: r.id,
      name: "t",
      queue: (jobs[i] as (typeof jobs)[number]).queue,
      at: now,
    }));
    assert.deepEqual((entries[0] as [string, string[]])[1], [
      "o",
      "p",
      "e",
      JSON.stringify(expected),
    ]);
  });

  it("the enqueuing process hears its own enqueued event once, others hear it through Redis", async () => {
    const errand = new Errand({ store: producer, logger });
    const other = new Errand({ store: listener, logger });
    try {
      const mine: string[] = [];
      const theirs: string[] = [];
      errand.on("enqueued", (e) => mine.push(e.jobId));
      other.on("enqueued", (e) => theirs.push(e.jobId));
      await untilListening(raw, stream, (id) => mine.includes(id) && theirs.includes(id));
      mine.length = 0;
      theirs.length = 0;
      const start = await raw.xlen(stream);
      const job = await errand.enqueue("t", { n: 1 }, { queue: "q" });
      assert.deepEqual(mine, [job.id], "delivered locally at once");
      // A job of the other process, enqueued after ours: once the first process hears it,
      // it has read past its own entry too.
      const marker = await other.enqueue("t", { n: 2 }, { queue: "q" });
      await new Promise<void>((resolve) => {
        const check = () => (mine.includes(marker.id) ? resolve() : setTimeout(check, 5));
        check();
      });
      assert.deepEqual(mine, [job.id, marker.id]);
      assert.deepEqual(theirs.slice(0, 1), [job.id]);
      assert.equal(await raw.xlen(stream), start + 2, "no second publish of the same events");
    } finally {
      await errand.close();
      await other.close();
    }
    assert.deepEqual(logger.problems, []);
  });
});

describe("Redis subscribe with skipOrigin", () => {
  let prefix: string;
  let store: RedisStore;
  let raw: Redis;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    prefix = testPrefix();
    logger = recordingLogger();
    store = new RedisStore({ url: TEST_REDIS_URL, prefix, logger });
    raw = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await store.close();
    await deletePrefix(raw, prefix);
    raw.disconnect();
  });

  const event = (jobId: string): StoreEvent => ({
    type: "completed",
    jobId,
    name: "t",
    queue: "q",
    at: 1,
  });

  it("drops the subscriber's own entries without decoding them", async () => {
    const skipping = collector();
    store.subscribe(skipping.handler, { skipOrigin: "me" });
    await untilListening(raw, new RedisKeys(prefix).events, (id) =>
      skipping.batches.some((b) => b.events.some((e) => e.jobId === id)),
    );
    skipping.batches.length = 0;
    // Not JSON: decoding it would throw and be logged by the reader.
    await raw.xadd(new RedisKeys(prefix).events, "*", "o", "me", "e", "{not json");
    await store.publish({ origin: "me", events: [event("mine")] });
    await store.publish({ origin: "them", events: [event("theirs")] });
    await skipping.next((b) => b.origin === "them");
    assert.deepEqual(
      skipping.batches.map((b) => [b.origin, b.events.map((e) => e.jobId)]),
      [["them", ["theirs"]]],
    );
    assert.deepEqual(logger.problems, []);
  });

  it("a handler without skipOrigin on the same store still hears every entry", async () => {
    const skipping = collector();
    const all = collector();
    store.subscribe(skipping.handler, { skipOrigin: "me" });
    store.subscribe(all.handler);
    await untilListening(raw, new RedisKeys(prefix).events, (id) =>
      skipping.batches.some((b) => b.events.some((e) => e.jobId === id)),
    );
    skipping.batches.length = 0;
    all.batches.length = 0;
    await store.publish({ origin: "me", events: [event("mine")] });
    await store.publish({ origin: "them", events: [event("theirs")] });
    await all.next((b) => b.origin === "them");
    await skipping.next((b) => b.origin === "them");
    assert.deepEqual(
      all.batches.map((b) => b.origin),
      ["me", "them"],
    );
    assert.deepEqual(
      skipping.batches.map((b) => b.origin),
      ["them"],
    );
  });
});
