/*
 * Transactional enqueue: `enqueue(data, { tx })` with the caller's pg client inside
 * BEGIN. The job exists if and only if the caller commits, workers hear of it exactly
 * when it commits, and a rollback leaves no trace, not even an event.
 */
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, it } from "node:test";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { ValidationError } from "../../src/errors.ts";
import type { ErrandEvent } from "../../src/events.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
after(() => dropTestSchema(...schemas));

interface Setup {
  producer: Errand;
  consumer: Errand;
  client: pg.Client;
  ran: string[];
  heard: ErrandEvent[];
}

let setup: Setup;

/** Resolves once `check` holds; rejects after `ms`. For waits on other connections. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(async () => {
  const schema = testSchemaName();
  schemas.push(schema);
  const producer = new Errand({
    store: new PostgresStore({ connectionString: TEST_PG_URL, schema }),
    logger: false,
  });
  const consumerStore = new PostgresStore({ connectionString: TEST_PG_URL, schema });
  const consumer = new Errand({ store: consumerStore, logger: false });
  const ran: string[] = [];
  const heard: ErrandEvent[] = [];
  consumer.task<{ tag: string }>({
    name: "tx.job",
    handler: (data) => {
      ran.push(data.tag);
      return data.tag;
    },
  });
  producer.task({ name: "tx.job" });
  consumer.on("enqueued", (event) => heard.push(event));
  await producer.migrate();
  await consumer.migrate();
  // Events sent before the consumer's LISTEN is in effect would not reach it.
  await consumerStore.listening();
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  setup = { producer, consumer, client, ran, heard };
});

afterEach(async () => {
  await setup.client.end();
  await setup.producer.close({ grace: 0 });
  await setup.consumer.close({ grace: 0 });
});

describe("transactional enqueue on PostgreSQL", () => {
  it("a job enqueued in a transaction is invisible until the commit, then runs", async () => {
    const { producer, consumer, client, ran } = setup;
    // A poll of an hour: only the NOTIFY sent with the commit can wake this worker in time.
    const worker = consumer.work({ queues: ["default"], pollInterval: "1h" });
    await worker.started();
    await client.query("BEGIN");
    const job = await producer.enqueue("tx.job", { tag: "committed" }, { tx: client });
    assert.equal(job.created, true);
    assert.equal(await consumer.jobs.get(job.id), null, "visible before the commit");
    await client.query("COMMIT");
    assert.equal(await job.result({ timeout: "5s" }), "committed");
    assert.deepEqual(ran, ["committed"]);
  });

  it("a rolled-back transaction leaves no job and no enqueued event", async () => {
    const { producer, consumer, client, ran, heard } = setup;
    const worker = consumer.work({ queues: ["default"], concurrency: 1 });
    await worker.started();
    await client.query("BEGIN");
    const [rolledBack] = await producer
      .task({ name: "tx.many" })
      .enqueueMany([{ data: {}, options: { tx: client } }]);
    const job = await producer.enqueue("tx.job", { tag: "rolled back" }, { tx: client });
    await client.query("ROLLBACK");
    assert.equal(await producer.jobs.get(job.id), null);
    assert.equal(await producer.jobs.get(rolledBack?.id ?? ""), null);
    // A job enqueued after the rollback runs; the rolled-back one never does.
    const marker = await producer.enqueue("tx.job", { tag: "after" });
    assert.equal(await marker.result({ timeout: "5s" }), "after");
    assert.deepEqual(ran, ["after"]);
    await until(() => heard.some((e) => e.jobId === marker.id), "the marker's enqueued event");
    assert.deepEqual(
      heard.map((e) => e.jobId),
      [marker.id],
      "an enqueued event was published for a job that was rolled back",
    );
  });

  it("a key held by an uncommitted transaction makes another enqueue wait for its outcome", async () => {
    const { producer, consumer, client } = setup;
    await client.query("BEGIN");
    const held = await producer.enqueue("tx.job", { tag: "first" }, { tx: client, key: "k" });
    const second = consumer.enqueue("tx.job", { tag: "second" }, { key: "k" });
    let settled = false;
    void second.then(() => (settled = true));
    // The second enqueue cannot finish while the key's fate is open: it waits on our
    // transaction, which the server reports before we commit.
    await until(() => waitingOnLock(client), "the second enqueue to block on the key");
    assert.equal(settled, false);
    await client.query("COMMIT");
    const job = await second;
    assert.equal(job.created, false);
    assert.equal(job.id, held.id);
  });

  it("refuses a pool, or anything that is not a client, as tx", async () => {
    const pool = new pg.Pool({ connectionString: TEST_PG_URL });
    try {
      await assert.rejects(
        setup.producer.enqueue("tx.job", { tag: "x" }, { tx: pool }),
        ValidationError,
      );
      await assert.rejects(
        setup.producer.enqueue("tx.job", { tag: "x" }, { tx: { begin: true } }),
        ValidationError,
      );
    } finally {
      await pool.end();
    }
  });
});

/** True once some other session waits on a lock held by `client`'s transaction. */
async function waitingOnLock(client: pg.Client): Promise<boolean> {
  const pid = (client as unknown as { processID: number }).processID;
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
    [pid],
  );
  return (rows[0]?.n ?? 0) > 0;
}
