-- progress: stores a leased job's progress (JSON).
-- @id @token @progress. Changes one row, or none when the token is stale (fenced).
UPDATE errand_jobs SET progress = @progress
WHERE id = @id AND token = @token AND state = 'active';
