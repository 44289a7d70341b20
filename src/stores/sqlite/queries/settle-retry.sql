-- settle-retry: fails one attempt of a leased job and makes it due again at @runAt.
-- @id @token @error (JSON) @runAt @now. Changes one row, or none when the token is stale.
UPDATE errand_jobs
SET state = CASE WHEN @runAt > @now THEN 'scheduled' ELSE 'waiting' END,
    run_at = @runAt, error = @error, token = NULL, lease_expires_at = NULL
WHERE id = @id AND token = @token AND state = 'active';
