-- settle-postpone: puts a leased job back after an upstream rate limit: due at @runAt, with
-- the start undone so it spends no attempt. @id @token @runAt @now. Changes one row, or
-- none when the token is stale (fenced).
UPDATE errand_jobs
SET state = CASE WHEN @runAt > @now THEN 'scheduled' ELSE 'waiting' END,
    run_at = @runAt, attempt = max(attempt - 1, 0), token = NULL, lease_expires_at = NULL
WHERE id = @id AND token = @token AND state = 'active';
