-- find-recent-key: the newest job of a key in a queue created after @since, in any state,
-- for throttle. @queue @key @since @now. Returns at most one row (id, state), the state
-- reported as reads report it (a due scheduled job is waiting). Reads
-- errand_jobs_key_created inside enqueue's IMMEDIATE transaction.
SELECT id,
       CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state
FROM errand_jobs
WHERE queue = @queue AND key = @key AND created_at > @since
ORDER BY created_at DESC, id DESC
LIMIT 1;
