-- prune-count: deletes up to $4 finished jobs of one queue and states beyond the $3
-- most recently finished. $1 queue, $2 states text[], $3 keep, $4 limit.
-- Returns nothing; the row count says how many were deleted.
DELETE FROM /* schema */.jobs
WHERE id IN (
  SELECT id FROM /* schema */.jobs
  WHERE queue = $1 AND state = ANY($2::text[]) AND state IN ('completed', 'dead', 'cancelled')
  ORDER BY finished_at DESC, id DESC
  OFFSET $3
  LIMIT $4
);
