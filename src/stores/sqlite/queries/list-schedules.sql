-- list-schedules: every schedule, by name. No params.
SELECT name, cron, tz, task, queue, data, options, misfire, next_run_at, created_at, updated_at
FROM errand_schedules ORDER BY name;
