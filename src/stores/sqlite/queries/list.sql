-- list: one page of jobs, newest first, with optional filters (null matches all).
-- @queue @name @state (the reported state: 'waiting' includes scheduled jobs already due)
-- @cursor (list ids below this; null for the first page) @limit @now.
SELECT id, name, queue,
       CASE WHEN state = 'scheduled' AND run_at <= @now THEN 'waiting' ELSE state END AS state,
       data, result, error, progress, logs, attempt, attempts, stalls, max_stalls, priority,
       key, grp, created_at, run_at, started_at, finished_at
FROM errand_jobs
WHERE (@queue IS NULL OR queue = @queue)
  AND (@name IS NULL OR name = @name)
  AND (@cursor IS NULL OR id < @cursor)
  AND (@state IS NULL
       OR (@state = 'waiting' AND (state = 'waiting' OR (state = 'scheduled' AND run_at <= @now)))
       OR (@state = 'scheduled' AND state = 'scheduled' AND run_at > @now)
       OR (@state NOT IN ('waiting', 'scheduled') AND state = @state))
ORDER BY id DESC
LIMIT @limit;
