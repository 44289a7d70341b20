-- settle-remove: completes a leased job by deleting it (retention of zero).
-- @id @token. Deletes one row, or none when the token is stale (fenced).
DELETE FROM errand_jobs WHERE id = @id AND token = @token AND state = 'active';
