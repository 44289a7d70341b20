-- claim-head: the first @limit jobs of one group bucket in one queue, in claim order
-- (priority, due time, enqueue order), that are due and that no pause, block or full
-- limit holds back. @queue @grp (NULL for jobs without a group) @now @limit
-- @excluded (JSON array of task names whose limits are full). Reads
-- errand_jobs_group_due in its own order, so no sort; inside claim's transaction.
SELECT id, name, grp, priority, run_at FROM errand_jobs AS j
WHERE queue = @queue AND grp IS @grp AND state IN ('waiting', 'scheduled') AND run_at <= @now
  AND name NOT IN (SELECT value FROM json_each(@excluded))
  AND name NOT IN (SELECT name FROM errand_task_pauses)
  AND NOT EXISTS (
    SELECT 1 FROM errand_blocks AS b
    WHERE b.queue = j.queue AND b.name = j.name AND b.grp IN ('', coalesce(j.grp, ''))
      AND b.until > @now
  )
ORDER BY priority DESC, run_at, id
LIMIT @limit;
