/*
 * Enqueue publishing its own `enqueued` events (migration 004, publishesEnqueued): a
 * subscriber on another store of the schema hears one event per created job, under the
 * enqueuer's origin, exactly as a publish of the same events would deliver them; none
 * for a job whose key was held, none without an origin, and a batch too large for one
 * notification arrives whole.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import type { StoreEvent } from "../../src/stores/contract.ts";
import { toTuples } from "../../src/stores/event-tuples.ts";
import { originPrefix } from "../../src/stores/postgres/notify-payload.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { channelOf } from "../../src/stores/postgres/sql-files.ts";
import { newJob } from "../harness/new-job.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
const opened: PostgresStore[] = [];
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await dropTestSchema(...schemas);
});

interface Heard {
  events: StoreEvent[];
  origin: string;
}

/** An enqueuing store and a listening one on a fresh schema, with what the listener hears. */
async function pair(): Promise<{
  producer: PostgresStore;
  heard: Heard[];
  marker: () => Promise<void>;
}> {
  const schema = testSchemaName();
  schemas.push(schema);
  const producer = new PostgresStore({ connectionString: TEST_PG_URL, schema });
  const listener = new PostgresStore({ connectionString: TEST_PG_URL, schema });
  opened.push(producer, listener);
  await producer.migrate();
  const heard: Heard[] = [];
  listener.subscribe((events, origin) => heard.push({ events, origin }));
  await listener.listening();
  // Notifications arrive in commit order: once a later marker is heard, everything the
  // test sent before it has been heard too.
  const marker = async () => {
    const id = `marker-${heard.length}-${Math.random()}`;
    await producer.publish({
      origin: "marker",
      events: [{ type: "progress", jobId: id, name: "m", queue: "m", at: 0 }],
    });
    const deadline = Date.now() + 15_000;
    const isMarker = (h: Heard) => h.events.some((e) => e.jobId === id);
    while (!heard.some(isMarker)) {
      if (Date.now() > deadline) throw new Error("the marker never arrived");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    heard.splice(heard.findIndex(isMarker), 1);
  };
  return { producer, heard, marker };
}

describe("PostgreSQL enqueue publishing its own enqueued events", () => {
  it("another subscriber gets one event per created job, with its id, under the origin", async () => {
    const { producer, heard, marker } = await pair();
    const before = Date.now();
    const results = await producer.enqueue({
      jobs: [newJob({ name: "a", queue: "q1" }), newJob({ name: "b", queue: "q2" })],
      origin: "origin-1",
    });
    await marker();
    assert.equal(heard.length, 1, "one batch per enqueue");
    assert.equal(heard[0]?.origin, "origin-1");
    const events = heard[0]?.events ?? [];
    assert.deepEqual(
      events.map(({ at: _at, ...rest }) => rest),
      [
        { type: "enqueued", jobId: results[0]?.id, name: "a", queue: "q1" },
        { type: "enqueued", jobId: results[1]?.id, name: "b", queue: "q2" },
      ],
    );
    // `at` is the server's clock, the time the jobs were created.
    for (const e of events) assert.ok(e.at >= before - 60_000 && e.at <= Date.now() + 60_000);
    assert.equal(events[0]?.at, events[1]?.at);
  });

  it("at is the given now, and names with quotes and non-ASCII text survive", async () => {
    const { producer, heard, marker } = await pair();
    const name = 'tâche "spéciale" \\ \n 😀';
    const [result] = await producer.enqueue({
      jobs: [newJob({ name, queue: "q" })],
      origin: "o",
      now: 1_234_567,
    });
    await marker();
    assert.deepEqual(heard, [
      {
        origin: "o",
        events: [{ type: "enqueued", jobId: result?.id, name, queue: "q", at: 1_234_567 }],
      },
    ]);
  });

  it("a deduplicated job gets no event, and its batch announces only the created ones", async () => {
    const { producer, heard, marker } = await pair();
    const [first] = await producer.enqueue({ jobs: [newJob({ key: "k" })], origin: "o" });
    const results = await producer.enqueue({
      jobs: [newJob({ key: "k" }), newJob({ key: "other" }), newJob()],
      origin: "o",
    });
    await marker();
    assert.equal(results[0]?.created, false);
    assert.equal(results[0]?.id, first?.id);
    assert.deepEqual(
      heard.map((h) => h.events.map((e) => e.jobId)),
      [[first?.id], [results[1]?.id, results[2]?.id]],
    );
    // A batch whose only job is held publishes nothing at all.
    await producer.enqueue({ jobs: [newJob({ key: "k" })], origin: "o" });
    await marker();
    assert.equal(heard.length, 2);
  });

  it("the payload is byte for byte what a publish of the same events would send", async () => {
    const { producer, heard, marker } = await pair();
    const raw = new pg.Client({ connectionString: TEST_PG_URL });
    await raw.connect();
    try {
      const payloads: string[] = [];
      raw.on("notification", (n) => payloads.push(n.payload ?? ""));
      await raw.query(`LISTEN "${channelOf(producer.schema)}"`);
      const jobs = [
        newJob({ name: "a", queue: "q" }),
        newJob({ name: "a", queue: "q" }),
        newJob({ name: 'b "quoted"', queue: "q" }),
        newJob({ name: 'b "quoted"', queue: "r" }),
      ];
      const results = await producer.enqueue({ jobs, origin: "o:1", now: 42 });
      await marker();
      const events: StoreEvent[] = results.map((r, i) => ({
        type: "enqueued",
        jobId: r.id,
        name: jobs[i]?.name ?? "",
        queue: jobs[i]?.queue ?? "",
        at: 42,
      }));
      // A single job takes the function's one-row path: the same format.
      const [single] = await producer.enqueue({ jobs: [newJob({ name: "é" })], origin: "o:1" });
      await marker();
      const one: StoreEvent = {
        type: "enqueued",
        jobId: single?.id ?? "",
        name: "é",
        queue: "default",
        at: heard[1]?.events[0]?.at ?? -1,
      };
      assert.deepEqual(heard, [
        { origin: "o:1", events },
        { origin: "o:1", events: [one] },
      ]);
      const sent = payloads.filter((p) => p.startsWith(originPrefix("o:1")));
      assert.equal(sent.length, 2);
      for (const [i, batch] of [events, [one]].entries()) {
        assert.match(sent[i] ?? "", /^=o%3A1:[0-9a-f]{12}:0:1:/);
        const body = (sent[i] ?? "").slice((sent[i] ?? "").indexOf(":0:1:") + 5);
        assert.equal(body, JSON.stringify(toTuples(batch)));
      }
    } finally {
      await raw.end();
    }
  });

  it("without an origin the enqueue publishes nothing", async () => {
    const { producer, heard, marker } = await pair();
    await producer.enqueue({ jobs: [newJob(), newJob({ key: "x" })] });
    await marker();
    assert.deepEqual(heard, []);
  });

  it("a batch whose events exceed one notification arrives whole, in order", async () => {
    const { producer, heard, marker } = await pair();
    // Multi-byte names put character boundaries everywhere the pieces could be cut.
    const jobs = Array.from({ length: 300 }, (_, i) =>
      newJob({ name: `tâche-€-😀-${i}-${"é".repeat(i % 7)}`, queue: "q" }),
    );
    const origin = "origin with: colons and ünïcode";
    const results = await producer.enqueue({ jobs, origin });
    await marker();
    assert.equal(heard.length, 1);
    assert.equal(heard[0]?.origin, origin);
    assert.ok(JSON.stringify(heard[0]?.events).length > 20_000, "the batch spans pieces");
    assert.deepEqual(
      heard[0]?.events.map((e) => [e.jobId, e.name]),
      results.map((r, i) => [r.id, jobs[i]?.name]),
    );
    // One job whose event alone is larger than a notification.
    const name = "ü".repeat(6_000);
    const [big] = await producer.enqueue({ jobs: [newJob({ name })], origin });
    await marker();
    assert.equal(heard.length, 2);
    assert.deepEqual(
      heard[1]?.events.map((e) => [e.jobId, e.name]),
      [[big?.id, name]],
    );
  });

  it("a subscriber that skips an origin hears the others, without parsing its own", async () => {
    const { producer, heard, marker } = await pair();
    const own: StoreEvent[][] = [];
    const stop = producer.subscribe((events) => own.push(events), { skipOrigin: "me" });
    await producer.listening();
    const parsed: string[] = [];
    const parse = JSON.parse;
    JSON.parse = (text: string, ...rest: []) => {
      parsed.push(text);
      return parse(text, ...rest) as unknown;
    };
    try {
      await producer.enqueue({ jobs: [newJob({ name: "mine" })], origin: "me" });
      await producer.publish({
        origin: "me",
        events: [{ type: "progress", jobId: "1", name: "mine", queue: "q", at: 0 }],
      });
      const [theirs] = await producer.enqueue({
        jobs: [newJob({ name: "theirs" })],
        origin: "someone else",
      });
      await marker();
      stop();
      assert.deepEqual(
        heard.map((h) => h.origin),
        ["me", "me", "someone else"],
      );
      const enqueued = own.flat().filter((e) => e.type === "enqueued");
      assert.deepEqual(
        enqueued.map((e) => e.jobId),
        [theirs?.id],
      );
      // The listening store parsed the others' batches once each for both subscribers,
      // and the skipping one's own batches only for the other subscriber.
      const mine = parsed.filter((text) => text.includes('"mine"'));
      assert.equal(mine.length, 2, "a batch of the skipped origin was parsed by its skipper");
    } finally {
      JSON.parse = parse;
    }
  });
});
