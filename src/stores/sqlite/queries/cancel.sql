-- cancel: cancels one live job; an active job's lease is revoked, fencing its worker.
-- @id @now. Returns the job's name and queue when it changed; no row otherwise.
UPDATE errand_jobs
SET state = 'cancelled', finished_at = @now, token = NULL, lease_expires_at = NULL
WHERE id = @id AND state IN ('scheduled', 'waiting', 'active')
RETURNING name, queue;
