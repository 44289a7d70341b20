-- debounce: gives a key's pending (not yet started) job new data and a new due time.
-- @id @data @runAt @now. Changes one row, or none when the job already started or ended.
-- Runs inside enqueue's IMMEDIATE transaction, right after find-live-key found it.
UPDATE errand_jobs
SET data = @data, run_at = @runAt,
    state = CASE WHEN @runAt > @now THEN 'scheduled' ELSE 'waiting' END
WHERE id = @id AND state IN ('scheduled', 'waiting')
RETURNING id, state;
