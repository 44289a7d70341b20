-- cancel: cancels live jobs; an active job's lease is revoked, fencing its worker.
-- $1 ids bigint[], $2 now bigint (null: the database's clock).
-- Returns id, previous (the reported state before), name and queue of each job cancelled.
-- Atomic: one statement. The CTE locks the rows FOR UPDATE, so a concurrent settle or
-- claim either finishes first (and the row is re-checked against the live states) or
-- waits and then finds the job cancelled.
WITH target AS (
  SELECT id,
         CASE WHEN state = 'scheduled' AND run_at <= coalesce($2::bigint, /* schema */.now_ms())
              THEN 'waiting' ELSE state END AS previous
  FROM /* schema */.jobs
  WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'waiting', 'active')
  FOR UPDATE
)
UPDATE /* schema */.jobs j
SET state = 'cancelled', finished_at = coalesce($2::bigint, /* schema */.now_ms()),
    token = NULL, lease_expires_at = NULL
FROM target
WHERE j.id = target.id
RETURNING j.id, target.previous, j.name, j.queue;
