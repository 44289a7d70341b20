-- enqueue: inserts one new job, scheduled or waiting depending on its due time.
-- @name @queue @data @priority @attempts @maxStalls @key @grp @now @runAt (due time, already
-- resolved against the store clock). Returns id and state. Atomic with the rest of the batch
-- through the surrounding transaction.
INSERT INTO errand_jobs (name, queue, state, data, priority, attempts, max_stalls, key, grp, created_at, run_at)
VALUES (@name, @queue, CASE WHEN @runAt > @now THEN 'scheduled' ELSE 'waiting' END,
        @data, @priority, @attempts, @maxStalls, @key, @grp, @now, @runAt)
RETURNING id, state;
