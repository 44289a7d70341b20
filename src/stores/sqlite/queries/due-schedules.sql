-- due-schedules: schedules whose next occurrence is at or before @now, earliest first.
-- @now @limit. Reads errand_schedules_due.
SELECT name, cron, tz, task, queue, data, options, misfire, next_run_at, created_at, updated_at
FROM errand_schedules WHERE next_run_at <= @now
ORDER BY next_run_at, name
LIMIT @limit;
