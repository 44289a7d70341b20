-- settle-complete: marks a leased job completed and stores its result.
-- @id @token @result @now. Changes one row, or none when the token is stale (fenced).
UPDATE errand_jobs
SET state = 'completed', result = @result, finished_at = @now, token = NULL, lease_expires_at = NULL
WHERE id = @id AND token = @token AND state = 'active';
