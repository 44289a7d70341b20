-- claim: leases up to $2 due jobs of the given queues to one worker.
-- $1 queues text[], $2 limit, $3 lease_ms, $4 now bigint (null: the database's clock),
-- $5 worker id (recorded for operators).
-- Returns the claimed rows, in no particular order (the store sorts them).
-- Atomic: one statement. The CTE locks the chosen rows FOR UPDATE SKIP LOCKED, so
-- concurrent claims take disjoint jobs without waiting on each other, and the UPDATE
-- gives each row its own random token for fencing. It walks jobs_due in claim order
-- (priority, due time, id) and stops after $2 rows; finished jobs are not in that index.
WITH due AS (
  SELECT j.id
  FROM /* schema */.jobs j
  WHERE j.state IN ('waiting', 'scheduled')
    AND j.queue = ANY($1::text[])
    AND j.run_at <= coalesce($4::bigint, /* schema */.now_ms())
    AND NOT EXISTS (SELECT 1 FROM /* schema */.queues q WHERE q.queue = j.queue AND q.paused)
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT $2
  FOR UPDATE OF j SKIP LOCKED
)
UPDATE /* schema */.jobs j
SET state = 'active',
    attempt = j.attempt + 1,
    token = gen_random_uuid()::text,
    worker = $5,
    lease_expires_at = coalesce($4::bigint, /* schema */.now_ms()) + $3::bigint,
    started_at = coalesce($4::bigint, /* schema */.now_ms())
FROM due
WHERE j.id = due.id
RETURNING j.id, j.name, j.queue, j.data, j.priority, j.attempt, j.attempts, j.stalls,
          j.max_stalls, j.key, j.grp, j.token, j.created_at, j.run_at, j.lease_expires_at;
