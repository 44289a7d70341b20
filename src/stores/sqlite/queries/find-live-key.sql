-- find-live-key: the live job holding a deduplication key in a queue, if any.
-- @queue, @key, @now. Returns at most one row (id, state); the unique index errand_jobs_live_key
-- guarantees there is never more than one. Runs inside enqueue's IMMEDIATE transaction,
-- so no other writer can take the key between this read and the insert. The state is
-- reported as reads report it (a due scheduled holder is waiting), so a deduplicated
-- enqueue and a later get agree.
SELECT id,
       CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state
FROM errand_jobs
WHERE queue = @queue AND key = @key AND state IN ('scheduled', 'waiting', 'active');
