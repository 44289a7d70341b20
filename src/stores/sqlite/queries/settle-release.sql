-- settle-release: hands an unfinished job back (worker shutdown): waiting at once, in its
-- old place in line, with the start undone so it spends no attempt.
-- @id @token. Changes one row, or none when the token is stale.
UPDATE errand_jobs
SET state = 'waiting', attempt = max(attempt - 1, 0), token = NULL, lease_expires_at = NULL
WHERE id = @id AND token = @token AND state = 'active';
