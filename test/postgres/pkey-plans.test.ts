/*
 * Migration 005: the claim, settle and extend functions find jobs by primary key, never
 * by scanning the table or all active jobs, even when statistics were gathered while
 * no job was active. The plans are read with auto_explain (loaded in the test's own
 * session), which logs the statements run inside the functions.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
after(() => dropTestSchema(...schemas));

/** Runs `sql` with auto_explain on, and returns the plans logged meanwhile. */
async function plansOf(client: pg.Client, sql: string, values: unknown[]): Promise<string[]> {
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes("plan:")) plans.push(notice.message);
  };
  client.on("notice", onNotice);
  try {
    await client.query("SET client_min_messages = log");
    await client.query(sql, values);
  } finally {
    await client.query("SET client_min_messages = notice");
    client.off("notice", onNotice);
  }
  return plans;
}

describe("PostgreSQL hot functions read jobs by key", () => {
  it("claim, settle and extend neither scan the jobs table nor all active jobs", async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: TEST_PG_URL, schema });
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await store.migrate();
      const jobs = `${pg.escapeIdentifier(schema)}.jobs`;
      await client.query(
        `INSERT INTO ${jobs} (name, queue, state, data, attempt, attempts, max_stalls,
                              created_at, run_at)
         SELECT 't', 'q', 'waiting', '{}', 0, 3, 3, 1, 1 FROM generate_series(1, 4000)`,
      );
      // Statistics that say no job is active: what misled the planner before.
      await client.query(`ANALYZE ${jobs}`);
      const leased = await store.claim({
        queues: ["q"],
        limit: 2000,
        leaseMs: 60_000,
        workerId: "w",
      });
      assert.equal(leased.jobs.length, 2000);

      await client.query("LOAD 'auto_explain'");
      await client.query("SET auto_explain.log_min_duration = 0");
      await client.query("SET auto_explain.log_nested_statements = on");
      const fn = (name: string) => `${pg.escapeIdentifier(schema)}.${name}`;
      const batch = leased.jobs.slice(0, 100);
      const plans = [
        ...(await plansOf(client, `SELECT * FROM ${fn("claim_plain")}($1, 100, 60000, NULL, 'w')`, [
          ["q"],
        ])),
        ...(await plansOf(client, `SELECT * FROM ${fn("extend_leases")}($1, $2, 60000, NULL)`, [
          batch.map((j) => j.id),
          batch.map((j) => j.token),
        ])),
        ...(await plansOf(client, `SELECT * FROM ${fn("settle_batch")}($1, $2, $3, $4, $5, NULL)`, [
          batch.map((j) => j.id),
          batch.map((j) => j.token),
          batch.map((_, i) => (i % 2 === 0 ? "complete" : "remove")),
          batch.map(() => "null"),
          batch.map(() => 0),
        ])),
      ];
      const statements = plans.filter((p) => /UPDATE|DELETE/.test(p));
      assert.equal(statements.length, 3, "the claim's, the extend's and the settle's statement");
      for (const plan of statements) {
        assert.doesNotMatch(plan, /Seq Scan on jobs|Merge Join|Hash Join/, plan);
        assert.doesNotMatch(plan, /jobs_active_task|jobs_leases|jobs_queue_state/, plan);
        assert.match(plan, /Index Scan using jobs_pkey/, plan);
      }
    } finally {
      await client.end();
      await store.close();
    }
  });
});
