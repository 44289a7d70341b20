-- state-of: a job's stored state, read before cancel to report what it was.
-- @id @now.
SELECT CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state
FROM errand_jobs WHERE id = @id;
