-- insert-raw: inserts jobs exactly as given, in any state, skipping dedupe (tests, tools).
-- $1 names, $2 queues, $3 states, $4 data, $5 results, $6 errors (text[]), $7 priorities,
-- $8 attempts (bigint[]), $9 attempt counts, $10 stalls (int[]), $11 max_stalls bigint[],
-- $12 keys, $13 groups, $14 tokens (text[]), $15 lease expiries, $16 created, $17 run at,
-- $18 started, $19 finished (bigint[], ms). Parallel arrays, one slot per job.
-- Returns ord and id per job; ids are drawn in input order.
WITH input AS MATERIALIZED (
  SELECT i.*, nextval('/* schema */.job_ids') AS id
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::bigint[], $8::bigint[], $9::int[], $10::int[], $11::bigint[], $12::text[],
              $13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::bigint[],
              $18::bigint[], $19::bigint[])
       WITH ORDINALITY AS i(name, queue, state, data, result, error, priority, attempts,
                            attempt, stalls, max_stalls, key, grp, token, lease_expires_at,
                            created_at, run_at, started_at, finished_at, ord)
),
inserted AS (
  INSERT INTO /* schema */.jobs (id, name, queue, state, data, result, error, priority,
                                 attempts, attempt, stalls, max_stalls, key, grp, token,
                                 lease_expires_at, created_at, run_at, started_at, finished_at)
  SELECT id, name, queue, state, data, result, error, priority, attempts, attempt, stalls,
         max_stalls, key, grp, token, lease_expires_at, created_at, run_at, started_at,
         finished_at
  FROM input
  ORDER BY ord
  RETURNING id
)
SELECT input.ord::int AS ord, input.id FROM input JOIN inserted USING (id) ORDER BY input.ord;
