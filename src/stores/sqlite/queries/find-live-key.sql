-- find-live-key: the live job holding a deduplication key in a queue, if any.
-- @queue, @key. Returns at most one row (id, state); the unique index errand_jobs_live_key
-- guarantees there is never more than one. Runs inside enqueue's IMMEDIATE transaction,
-- so no other writer can take the key between this read and the insert.
SELECT id, state FROM errand_jobs
WHERE queue = @queue AND key = @key AND state IN ('scheduled', 'waiting', 'active');
