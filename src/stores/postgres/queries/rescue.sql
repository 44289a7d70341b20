-- rescue: takes up to $2 jobs whose lease expired out of active. Each counts a stall; it
-- waits to run again at once, or is dead once its stalls reach max_stalls.
-- $1 now bigint (null: the database's clock), $2 limit.
-- Returns id, name, queue, state and stalls of each rescued job.
-- Atomic: one statement. The CTE locks expired rows FOR UPDATE SKIP LOCKED: a job being
-- settled right now is skipped, and a row locked after a wait is re-checked, so a job
-- settled first no longer matches state = 'active' and is never touched.
WITH expired AS (
  SELECT j.id
  FROM /* schema */.jobs j
  WHERE j.state = 'active' AND j.lease_expires_at < coalesce($1::bigint, /* schema */.now_ms())
  ORDER BY j.lease_expires_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE /* schema */.jobs j
SET stalls = j.stalls + 1,
    state = CASE WHEN j.stalls + 1 >= j.max_stalls THEN 'dead' ELSE 'waiting' END,
    finished_at = CASE WHEN j.stalls + 1 >= j.max_stalls
                       THEN coalesce($1::bigint, /* schema */.now_ms()) END,
    error = CASE WHEN j.stalls + 1 >= j.max_stalls
                 THEN json_build_object(
                        'name', 'StalledError',
                        'code', 'STALLED',
                        'message', format('The job''s worker was lost %s times (lease expired); maxStalls reached.',
                                          j.stalls + 1))::text
                 ELSE j.error END,
    token = NULL,
    lease_expires_at = NULL
FROM expired
WHERE j.id = expired.id
RETURNING j.id, j.name, j.queue, j.state, j.stalls;
