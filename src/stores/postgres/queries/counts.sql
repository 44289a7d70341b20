-- counts: one queue's jobs by reported state (scheduled jobs already due count as waiting).
-- $1 queue, $2 now bigint (null: the database's clock). Returns one row per state present.
SELECT CASE WHEN state = 'scheduled' AND run_at <= coalesce($2::bigint, /* schema */.now_ms())
            THEN 'waiting' ELSE state END AS state,
       count(*)::int AS n
FROM /* schema */.jobs
WHERE queue = $1
GROUP BY 1;
