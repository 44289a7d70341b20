-- claim-head-plain: claim-head for the plain claim (no limits, so no task is excluded):
-- the first @limit due jobs of one queue's jobs without a group, in claim order, that no
-- pause or block holds back. @queue @now @limit. Leaving out claim-head's json_each of
-- excluded tasks takes about a third off the statement, which every claim runs.
SELECT id, name, grp, priority, run_at FROM errand_jobs AS j
WHERE queue = @queue AND grp IS NULL AND state IN ('waiting', 'scheduled') AND run_at <= @now
  AND name NOT IN (SELECT name FROM errand_task_pauses)
  AND NOT EXISTS (
    SELECT 1 FROM errand_blocks AS b
    WHERE b.queue = j.queue AND b.name = j.name AND b.grp = '' AND b.until > @now
  )
ORDER BY priority DESC, run_at, id
LIMIT @limit;
