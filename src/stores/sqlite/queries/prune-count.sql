-- prune-count: deletes up to @limit finished jobs of one queue and states beyond the
-- @keep most recently finished. @queue @states (JSON array) @keep @limit.
DELETE FROM errand_jobs WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE queue = @queue AND state IN (SELECT value FROM json_each(@states))
  ORDER BY finished_at DESC, id DESC
  LIMIT @limit OFFSET @keep
);
