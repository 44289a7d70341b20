-- enqueue: inserts a batch of new jobs, skipping each one whose key a live job holds.
-- $1 names text[], $2 queues text[], $3 data text[] (JSON), $4 priorities bigint[],
-- $5 attempts bigint[], $6 max_stalls bigint[], $7 keys text[], $8 groups text[],
-- $9 run_at bigint[] (null: due delay_ms after now), $10 delay_ms bigint[],
-- $11 now bigint (null: the database's clock). The arrays are parallel, one slot per job.
-- Returns one row per job in input order: ord, id and state, or a null id when the job
-- was skipped for its key (the caller reads the holder with find-live-keys.sql).
-- Atomic: one statement. Ids are drawn from the sequence in input order before the
-- insert, so id order is enqueue order and each input maps to its row by id. ON CONFLICT
-- DO NOTHING against jobs_live_key skips a key already held, including by an earlier job
-- of this batch; a holder that is still uncommitted elsewhere makes the insert wait for
-- its outcome instead of guessing.
WITH input AS MATERIALIZED (
  SELECT i.*, nextval('/* schema */.job_ids') AS id
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
              $7::text[], $8::text[], $9::bigint[], $10::bigint[])
       WITH ORDINALITY AS i(name, queue, data, priority, attempts, max_stalls, key, grp,
                            run_at, delay_ms, ord)
),
clock AS (SELECT coalesce($11::bigint, /* schema */.now_ms()) AS now),
inserted AS (
  INSERT INTO /* schema */.jobs (id, name, queue, state, data, priority, attempts, max_stalls,
                                 key, grp, created_at, run_at)
  SELECT input.id, input.name, input.queue,
         CASE WHEN coalesce(input.run_at, clock.now + input.delay_ms) > clock.now
              THEN 'scheduled' ELSE 'waiting' END,
         input.data, input.priority, input.attempts, input.max_stalls, input.key, input.grp,
         clock.now, coalesce(input.run_at, clock.now + input.delay_ms)
  FROM input CROSS JOIN clock
  ORDER BY input.ord
  ON CONFLICT DO NOTHING
  RETURNING id, state
)
SELECT input.ord::int AS ord, inserted.id, inserted.state
FROM input LEFT JOIN inserted ON inserted.id = input.id
ORDER BY input.ord;
