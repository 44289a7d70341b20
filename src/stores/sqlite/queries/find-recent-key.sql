-- find-recent-key: the newest job of a key in a queue created after @since, in any state,
-- for throttle. @queue @key @since. Returns at most one row (id, state). Reads
-- errand_jobs_key_created inside enqueue's IMMEDIATE transaction.
SELECT id, state FROM errand_jobs
WHERE queue = @queue AND key = @key AND created_at > @since
ORDER BY created_at DESC, id DESC
LIMIT 1;
