-- settle-dead: moves a leased job to the dead-letter state with its last error.
-- @id @token @error (JSON) @now. Changes one row, or none when the token is stale.
UPDATE errand_jobs
SET state = 'dead', error = @error, finished_at = @now, token = NULL, lease_expires_at = NULL
WHERE id = @id AND token = @token AND state = 'active';
