-- rescue: takes up to @limit jobs whose lease expired before @now out of active. Each
-- counts a stall; it waits to run again, or is dead once its stalls reach max_stalls.
-- @now @limit. Returns id, name, queue, state, stalls of each rescued job.
-- Atomic: one UPDATE; a job settled first no longer matches state = 'active'.
UPDATE errand_jobs
SET stalls = stalls + 1,
    state = CASE WHEN stalls + 1 >= max_stalls THEN 'dead' ELSE 'waiting' END,
    finished_at = CASE WHEN stalls + 1 >= max_stalls THEN @now ELSE NULL END,
    error = CASE WHEN stalls + 1 >= max_stalls
                 THEN json_object('name', 'StalledError', 'code', 'STALLED',
                                  'message', 'The job''s worker was lost ' || (stalls + 1) ||
                                  ' times (lease expired); maxStalls reached.')
                 ELSE error END,
    token = NULL, lease_expires_at = NULL
WHERE id IN (
  SELECT id FROM errand_jobs WHERE state = 'active' AND lease_expires_at < @now LIMIT @limit
)
RETURNING id, name, queue, state, stalls;
