-- prune-age: deletes up to $4 finished jobs of one queue and states that finished
-- before $3. $1 queue, $2 states text[], $3 before bigint (ms), $4 limit.
-- Returns nothing; the row count says how many were deleted. Walks jobs_finished.
DELETE FROM /* schema */.jobs
WHERE id IN (
  SELECT id FROM /* schema */.jobs
  WHERE queue = $1 AND state = ANY($2::text[]) AND finished_at < $3::bigint
    AND state IN ('completed', 'dead', 'cancelled')
  LIMIT $4
);
