-- list: one page of jobs, newest first, with optional filters (null matches all).
-- $1 queue, $2 task name, $3 state (the reported state: 'waiting' includes scheduled jobs
-- already due), $4 cursor bigint (list ids below it; null for the first page), $5 limit,
-- $6 now bigint (null: the database's clock).
SELECT id, name, queue,
       CASE WHEN state = 'scheduled' AND run_at <= coalesce($6::bigint, /* schema */.now_ms())
            THEN 'waiting' ELSE state END AS state,
       data, result, error, progress, logs::text AS logs, attempt, attempts, stalls,
       max_stalls, priority, key, grp, created_at, run_at, started_at, finished_at
FROM /* schema */.jobs
WHERE ($1::text IS NULL OR queue = $1::text)
  AND ($2::text IS NULL OR name = $2::text)
  AND ($4::bigint IS NULL OR id < $4::bigint)
  AND ($3::text IS NULL
       OR ($3::text = 'waiting'
           AND (state = 'waiting'
                OR (state = 'scheduled'
                    AND run_at <= coalesce($6::bigint, /* schema */.now_ms()))))
       OR ($3::text = 'scheduled' AND state = 'scheduled'
           AND run_at > coalesce($6::bigint, /* schema */.now_ms()))
       OR ($3::text NOT IN ('waiting', 'scheduled') AND state = $3::text))
ORDER BY id DESC
LIMIT $5;
