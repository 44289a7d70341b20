/*
 * What only the PostgreSQL store has around flow control: the plain one-statement claim
 * handing over to the locked flow claim (and back), advisory locks of overlapping queue
 * sets, throttle locks between connections, and the upgrade of a schema from migration 001.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import type { ClaimParams, Store } from "../../src/stores/contract.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { migrationsFor, queriesFor } from "../../src/stores/postgres/sql-files.ts";
import { newJob } from "../harness/new-job.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 12 });
pool.on("error", () => undefined);
after(async () => {
  await pool.end();
  await dropTestSchema(...schemas);
});

/** A fresh migrated schema, and `n` stores on it (like `n` processes). */
async function stores(n: number): Promise<PostgresStore[]> {
  const schema = testSchemaName();
  schemas.push(schema);
  const all = Array.from({ length: n }, () => new PostgresStore({ pool, schema }));
  await all[0]?.migrate();
  return all;
}

async function claim(store: Store, params: Partial<ClaimParams> = {}) {
  const { jobs } = await store.claim({
    queues: ["default"],
    limit: 1,
    leaseMs: 30_000,
    workerId: "flow-claim-test",
    ...params,
  });
  return jobs;
}

async function groupsOfClaims(store: Store, n: number): Promise<(string | null)[]> {
  const seen: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const [job] = await claim(store);
    seen.push(job === undefined ? "none" : job.group);
  }
  return seen;
}

describe("PostgreSQL flow claim", () => {
  it("a plain claim hands over to the flow claim when another process enqueues grouped jobs, and back", async () => {
    const [worker, producer] = (await stores(2)) as [PostgresStore, PostgresStore];
    await producer.enqueue({ jobs: [newJob()] });
    assert.equal((await claim(worker)).length, 1, "the plain claim");
    const grouped = ["x", "x", "x", "y"].map((group) => newJob({ group }));
    await producer.enqueue({ jobs: grouped });
    // Claim order would give x, x, x, y; the rotation serves y second.
    assert.deepEqual(await groupsOfClaims(worker, 4), ["x", "y", "x", "x"]);
    for (const round of [1, 2]) {
      await producer.enqueue({ jobs: [newJob({ priority: 1 }), newJob({ priority: 5 })] });
      assert.deepEqual(
        (await claim(worker, { limit: 5 })).map((j) => j.priority),
        [5, 1],
        `round ${round}: with no grouped job left, claim order is the plain one`,
      );
    }
  });

  it("claims of overlapping queue sets at once neither deadlock nor break a limit", async () => {
    const all = await stores(6);
    const [first] = all as [PostgresStore];
    await first.enqueue({
      jobs: [
        ...Array.from({ length: 10 }, () => newJob({ queue: "a" })),
        ...Array.from({ length: 10 }, () => newJob({ queue: "b" })),
      ],
    });
    const limits = { t: { concurrency: 3 } };
    const claims = all.flatMap((store, i) =>
      [0, 1].map(() =>
        claim(store, { queues: i % 2 === 0 ? ["a", "b"] : ["b", "a"], limit: 2, limits }),
      ),
    );
    const taken = (await Promise.all(claims)).flat();
    assert.equal(taken.length, 3);
  });

  it("throttled enqueues of one key from several connections at once create one job", async () => {
    const all = await stores(6);
    const job = newJob({ key: "ping", throttleMs: 60_000 });
    const results = (await Promise.all(all.map((s) => s.enqueue({ jobs: [job] })))).flat();
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
  });

  it("a schema at migration 001 is upgraded with its jobs, grouped ones included", async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const queries = queriesFor(schema);
    const [init] = migrationsFor(schema);
    const client = await pool.connect();
    try {
      await client.query(queries["migrate-create-schema"]);
      await client.query(queries["migrate-create-table"]);
      await client.query(init?.sql ?? "");
      await client.query(queries["migrate-record"], [init?.version, init?.file]);
    } finally {
      client.release();
    }
    const store = new PostgresStore({ pool, schema });
    await store.insertRaw(
      ["x", "x", "y", null].map((group) => ({ name: "t", state: "waiting" as const, group })),
    );
    await store.migrate();
    assert.deepEqual(await groupsOfClaims(store, 5), ["x", "y", null, "x", "none"]);
  });
});
