-- get: jobs by id, with scheduled jobs already due reported as waiting.
-- $1 ids bigint[], $2 now bigint (null: the database's clock).
-- Returns one row per existing job, in no particular order (the store orders them).
SELECT id, name, queue,
       CASE WHEN state = 'scheduled' AND run_at <= coalesce($2::bigint, /* schema */.now_ms())
            THEN 'waiting' ELSE state END AS state,
       data, result, error, progress, logs::text AS logs, attempt, attempts, stalls,
       max_stalls, priority, key, grp, created_at, run_at, started_at, finished_at
FROM /* schema */.jobs
WHERE id = ANY($1::bigint[]);
