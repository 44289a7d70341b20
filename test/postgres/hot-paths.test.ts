/*
 * The PostgreSQL hot paths of migration 003: the functions behind claim, settle,
 * enqueue, extend and publish, run as named prepared statements on a store's own pool;
 * which commits are asynchronous (claim, publish) and which are not (enqueue, settle);
 * and two defects the old statements had: a deduplicated enqueue reporting a due
 * delayed holder as scheduled, and a settle batch naming one job twice.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import type { Outcome } from "../../src/stores/contract.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { migrationsFor } from "../../src/stores/postgres/sql-files.ts";
import { newJob } from "../harness/new-job.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
const opened: PostgresStore[] = [];
const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 4 });
pool.on("error", () => undefined);
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await pool.end();
  await dropTestSchema(...schemas);
});

/** A store on a fresh migrated schema: on the shared pool, or (own) on a pool of its own. */
async function freshStore(own = false): Promise<PostgresStore> {
  const schema = testSchemaName();
  schemas.push(schema);
  const store = own
    ? new PostgresStore({ connectionString: TEST_PG_URL, schema })
    : new PostgresStore({ pool, schema });
  opened.push(store);
  await store.migrate();
  return store;
}

async function claimOne(store: PostgresStore, now?: number) {
  const { jobs } = await store.claim({
    queues: ["default"],
    limit: 1,
    leaseMs: 30_000,
    workerId: "hot-paths-test",
    ...(now === undefined ? {} : { now }),
  });
  const [job] = jobs;
  assert.ok(job, "a job was claimed");
  return job;
}

describe("PostgreSQL hot paths", () => {
  for (const own of [false, true]) {
    it(`a job goes through enqueue, claim, extend, settle and events (${own ? "own pool, prepared statements" : "shared pool"})`, async () => {
      const store = await freshStore(own);
      const heard: string[] = [];
      store.subscribe((events) => {
        for (const event of events) heard.push(`${event.type}:${event.jobId}`);
      });
      await store.listening();
      // Twice over, so the second round runs the statements already prepared.
      for (let round = 0; round < 2; round++) {
        const [created] = await store.enqueue({ jobs: [newJob()] });
        assert.ok(created?.created);
        const job = await claimOne(store);
        assert.equal(job.id, created.id);
        assert.deepEqual(
          await store.extend({ leases: [{ id: job.id, token: job.token }], leaseMs: 60_000 }),
          [true],
        );
        const outcome: Outcome = {
          kind: "complete",
          id: job.id,
          token: job.token,
          result: "1",
          remove: false,
        };
        assert.deepEqual(await store.settle({ outcomes: [outcome] }), [true]);
        const [record] = await store.get({ ids: [job.id] });
        assert.equal(record?.state, "completed");
        const empty = await store.claim({
          queues: ["default"],
          limit: 1,
          leaseMs: 30_000,
          workerId: "hot-paths-test",
        });
        assert.deepEqual(empty, { jobs: [], nextDueInMs: null });
        await store.publish({
          origin: "other-process",
          events: [{ type: "enqueued", jobId: job.id, name: "t", queue: "default", at: 1 }],
        });
      }
      const deadline = Date.now() + 5_000;
      while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(heard.length, 2, "both published events arrived");
    });
  }

  it("migration 003 run again over a working schema changes nothing", async () => {
    const store = await freshStore(true);
    const [created] = await store.enqueue({ jobs: [newJob()] });
    const job = await claimOne(store);
    const hotPaths = migrationsFor(store.schema).find((m) => m.version === 3);
    assert.ok(hotPaths, "migration 003 exists");
    await pool.query(hotPaths.sql);
    const outcome: Outcome = {
      kind: "complete",
      id: job.id,
      token: job.token,
      result: "1",
      remove: false,
    };
    // The store's connections prepared their statements before the functions were
    // replaced; they still run, and the lease taken before still settles.
    assert.deepEqual(await store.settle({ outcomes: [outcome] }), [true]);
    const [record] = await store.get({ ids: [created?.id ?? ""] });
    assert.equal(record?.state, "completed");
  });

  it("a short claim reports when the next delayed job is due", async () => {
    const store = await freshStore(true);
    const now = 1_000_000;
    await store.enqueue({ jobs: [newJob(), newJob({ delayMs: 5_000 })], now });
    const { jobs, nextDueInMs } = await store.claim({
      queues: ["default"],
      limit: 5,
      leaseMs: 30_000,
      workerId: "hot-paths-test",
      now,
    });
    assert.equal(jobs.length, 1);
    assert.equal(nextDueInMs, 5_000);
  });

  it("claim and publish commit asynchronously; enqueue, settle and extend do not", async () => {
    const store = await freshStore();
    const schema = pg.escapeIdentifier(store.schema);
    await store.enqueue({ jobs: [newJob()] });
    const client = await pool.connect();
    try {
      const settingAfter = async (sql: string, values: unknown[]): Promise<string> => {
        await client.query("BEGIN");
        try {
          await client.query(sql, values);
          const { rows } = await client.query<{ s: string }>(
            "SELECT current_setting('synchronous_commit') AS s",
          );
          return rows[0]?.s ?? "";
        } finally {
          await client.query("ROLLBACK");
        }
      };
      assert.equal(
        await settingAfter(`SELECT * FROM ${schema}.claim_plain($1, 1, 30000, NULL, 'w')`, [
          ["default"],
        ]),
        "off",
      );
      assert.equal(
        await settingAfter(`SELECT ${schema}.publish_events('errand-test', $1)`, [["x"]]),
        "off",
      );
      assert.equal(
        await settingAfter(`SELECT ${schema}.publish_lines('errand-test', $1)`, ["x\ny"]),
        "off",
      );
      assert.equal(
        await settingAfter(
          `SELECT * FROM ${schema}.settle_batch('{1}', '{t}', '{complete}', '{1}', '{NULL}', NULL)`,
          [],
        ),
        "on",
      );
      assert.equal(
        await settingAfter(`SELECT * FROM ${schema}.extend_leases('{1}', '{t}', 30000, NULL)`, []),
        "on",
      );
      assert.equal(
        await settingAfter(
          `SELECT * FROM ${schema}.enqueue_batch('{t}', '{default}', '{"null"}', '{0}', '{3}',
             '{3}', '{NULL}', '{NULL}', '{NULL}', '{0}', NULL)`,
          [],
        ),
        "on",
      );
    } finally {
      client.release();
    }
  });

  it("a deduplicated enqueue reports a delayed holder that is already due as waiting", async () => {
    const store = await freshStore();
    const now = 1_000_000;
    const [holder] = await store.enqueue({
      jobs: [newJob({ key: "k", delayMs: 1_000 })],
      now,
    });
    assert.equal(holder?.state, "scheduled");
    const [before] = await store.enqueue({ jobs: [newJob({ key: "k" })], now: now + 500 });
    assert.deepEqual(before, { id: holder.id, created: false, state: "scheduled" });
    const [after] = await store.enqueue({ jobs: [newJob({ key: "k" })], now: now + 2_000 });
    assert.deepEqual(after, { id: holder.id, created: false, state: "waiting" });
    const [record] = await store.get({ ids: [holder.id], now: now + 2_000 });
    assert.equal(record?.state, after?.state, "enqueue and get agree");
  });

  it("a throttled enqueue reports a delayed job of its window that is already due as waiting", async () => {
    const store = await freshStore();
    const now = 1_000_000;
    const throttled = { key: "t", throttleMs: 60_000 };
    const [first] = await store.enqueue({
      jobs: [newJob({ ...throttled, delayMs: 1_000 })],
      now,
    });
    assert.equal(first?.state, "scheduled");
    const [later] = await store.enqueue({ jobs: [newJob(throttled)], now: now + 2_000 });
    assert.deepEqual(later, { id: first.id, created: false, state: "waiting" });
  });

  it("a settle batch naming one job twice applies the first outcome only", async () => {
    const store = await freshStore(true);
    const now = 1_000_000;
    for (const [first, second, state] of [
      ["complete", "dead", "completed"],
      ["dead", "complete", "dead"],
      ["retry", "complete", "scheduled"],
      ["complete-remove", "complete", null],
      ["complete", "complete-remove", "completed"],
    ] as const) {
      const [created] = await store.enqueue({ jobs: [newJob()], now });
      const job = await claimOne(store, now);
      assert.equal(job.id, created?.id);
      const outcome = (kind: typeof first | typeof second): Outcome => {
        const lease = { id: job.id, token: job.token };
        if (kind === "complete") return { ...lease, kind, result: "1", remove: false };
        if (kind === "complete-remove")
          return { ...lease, kind: "complete", result: "1", remove: true };
        if (kind === "retry") return { ...lease, kind, error: "{}", delayMs: 1_000 };
        return { ...lease, kind, error: "{}" };
      };
      const applied = await store.settle({ outcomes: [outcome(first), outcome(second)], now });
      assert.deepEqual(applied, [true, false], `${first} then ${second}`);
      const [record] = await store.get({ ids: [job.id], now });
      assert.equal(record?.state ?? null, state, `${first} then ${second}`);
    }
  });
});
