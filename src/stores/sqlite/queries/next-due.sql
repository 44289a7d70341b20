-- next-due: the earliest due time among scheduled jobs of the given queues.
-- @queues (JSON array). Returns one row: at (null when none is scheduled).
SELECT min(run_at) AS at FROM errand_jobs
WHERE state = 'scheduled' AND queue IN (SELECT value FROM json_each(@queues));
