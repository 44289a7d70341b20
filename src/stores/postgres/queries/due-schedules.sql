-- due-schedules: schedules whose next occurrence is at or before now, earliest first.
-- $1 now bigint (null: the database's clock), $2 limit. Reads schedules_due.
SELECT name, cron, tz, task, queue, data, options, misfire, next_run_at, created_at, updated_at
FROM /* schema */.schedules
WHERE next_run_at <= coalesce($1::bigint, /* schema */.now_ms())
ORDER BY next_run_at, name
LIMIT $2;
