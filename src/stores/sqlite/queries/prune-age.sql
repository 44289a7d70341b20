-- prune-age: deletes up to @limit finished jobs of one queue and states that finished
-- before @before. @queue @states (JSON array) @before @limit. The literal state list lets
-- the planner read errand_jobs_finished, which holds only finished jobs.
DELETE FROM errand_jobs WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE queue = @queue AND state IN ('completed', 'dead', 'cancelled')
    AND state IN (SELECT value FROM json_each(@states)) AND finished_at < @before
  LIMIT @limit
);
