-- get: one job by id, with scheduled jobs already due reported as waiting.
-- @id @now. Returns zero or one row.
SELECT id, name, queue,
       CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state,
       data, result, error, progress, logs, attempt, attempts, stalls, max_stalls, priority,
       key, grp, created_at, run_at, started_at, finished_at
FROM errand_jobs WHERE id = @id;
