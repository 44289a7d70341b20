-- counts: one queue's jobs by reported state (scheduled jobs already due count as waiting).
-- @queue @now. Returns one row per state present.
SELECT CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state,
       count(*) AS n
FROM errand_jobs WHERE queue = @queue
GROUP BY 1;
