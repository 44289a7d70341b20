-- find-recent-key: for throttled jobs, the newest job of each key created within its
-- window, in any state. $1 queues text[], $2 keys text[], $3 throttle_ms bigint[]
-- (parallel: one slot per throttled job), $4 now bigint (null: the database's clock).
-- Returns ord (1-based slot), id and state for each slot whose key has such a job, with
-- a scheduled job already due reported as waiting (as get.sql does).
-- Reads jobs_key_created, inside enqueue's transaction, after throttle-lock.sql.
SELECT k.ord::int AS ord, r.id,
       CASE WHEN r.state = 'scheduled' AND r.run_at <= coalesce($4::bigint, /* schema */.now_ms())
            THEN 'waiting' ELSE r.state END AS state
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS k(queue, key, window_ms, ord)
CROSS JOIN LATERAL (
  SELECT j.id, j.state, j.run_at
  FROM /* schema */.jobs j
  WHERE j.queue = k.queue AND j.key = k.key
    AND j.created_at > coalesce($4::bigint, /* schema */.now_ms()) - k.window_ms
  ORDER BY j.created_at DESC, j.id DESC
  LIMIT 1
) r;
