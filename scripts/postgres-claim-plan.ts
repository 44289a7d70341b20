/*
 * Shows the claim's plans on a table holding a million finished jobs, for
 * docs/postgres.md. Builds a scratch schema (errand_plan_<random>), fills it, and calls
 * claim_plain() (migration 003) inside a transaction that is rolled back. EXPLAIN of the
 * call would show only "Function Scan", so the plans come from auto_explain with
 * log_nested_statements: those of the statements inside the function, as PostgreSQL
 * cached and ran them, with actual rows and buffers. Then times a few claims (a named
 * prepared statement, as the store sends it) and drops the schema. Needs a role allowed
 * to LOAD 'auto_explain' (a superuser, or the library in session_preload_libraries).
 *
 *   node --import tsx scripts/postgres-claim-plan.ts [postgres-url]
 */
import { randomBytes } from "node:crypto";

import pg from "pg";

import { PostgresStore } from "../src/stores/postgres/postgres-store.ts";
import { statementName } from "../src/stores/postgres/prepared.ts";
import { queriesFor } from "../src/stores/postgres/sql-files.ts";

const url = process.argv[2] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `errand_plan_${randomBytes(4).toString("hex")}`;
const table = `${pg.escapeIdentifier(schema)}.jobs`;
const FINISHED = 1_000_000;
const WAITING = 10_000;

const store = new PostgresStore({ connectionString: url, schema });
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await store.migrate();
  const fill = Date.now();
  // A million completed jobs spread over three queues, as a busy day leaves them.
  await client.query(
    `INSERT INTO ${table} (name, queue, state, data, result, attempt, attempts, max_stalls,
                          created_at, run_at, started_at, finished_at)
     SELECT 'report', (ARRAY['default', 'emails', 'reports'])[1 + i % 3], 'completed', '{}', 'null',
            1, 3, 3, $1::bigint - i, $1::bigint - i, $1::bigint - i, $1::bigint - i + 5
     FROM generate_series(1, $2::int) AS i`,
    [Date.now() - 86_400_000, FINISHED],
  );
  // Work to do: waiting jobs of mixed priority, and some scheduled for later.
  await client.query(
    `INSERT INTO ${table} (name, queue, state, data, priority, attempts, max_stalls, created_at, run_at)
     SELECT 'email', (ARRAY['default', 'emails'])[1 + i % 2],
            CASE WHEN i % 10 = 0 THEN 'scheduled' ELSE 'waiting' END, '{}', i % 5, 3, 3,
            $1::bigint, $1::bigint + CASE WHEN i % 10 = 0 THEN 3600000 ELSE -i END
     FROM generate_series(1, $2::int) AS i`,
    [Date.now(), WAITING],
  );
  await client.query(`ANALYZE ${table}`);
  console.log(`filled ${FINISHED} completed + ${WAITING} live jobs in ${Date.now() - fill} ms\n`);

  const claim = queriesFor(schema).claim;
  const plans: string[] = [];
  client.on("notice", (notice) => {
    if (notice.message?.includes("Query Text:")) plans.push(notice.message);
  });
  await client.query("LOAD 'auto_explain'");
  for (const queues of [["emails"], ["default", "emails"]]) {
    const params = [queues, 10, 30_000, null, "plan"];
    await client.query("BEGIN");
    await client.query(
      `SET LOCAL auto_explain.log_min_duration = 0;
       SET LOCAL auto_explain.log_nested_statements = on;
       SET LOCAL auto_explain.log_analyze = on;
       SET LOCAL auto_explain.log_buffers = on;
       SET LOCAL auto_explain.log_timing = on;
       SET LOCAL client_min_messages = log`,
    );
    plans.length = 0;
    await client.query(claim, params);
    await client.query("ROLLBACK");
    console.log(`claim of 10 from ${JSON.stringify(queues)}: the statements inside claim_plain()`);
    // The last plan is the call itself (a Function Scan); the ones before are its statements.
    console.log(plans.slice(0, -1).join("\n\n"), "\n");
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      await client.query("BEGIN");
      const started = process.hrtime.bigint();
      await client.query({ name: statementName(claim), text: claim, values: params });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      await client.query("ROLLBACK");
    }
    times.sort((a, b) => a - b);
    console.log(
      `round trip of the claim call over 20 runs: median ${times[10]?.toFixed(2)} ms, max ${times[19]?.toFixed(2)} ms\n`,
    );
  }
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
  await store.close();
}
