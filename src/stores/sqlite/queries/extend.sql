-- extend: pushes one lease's expiry to @now + @leaseMs.
-- @id @token @now @leaseMs. Changes one row, or none when the token is stale (fenced).
UPDATE errand_jobs SET lease_expires_at = @now + @leaseMs
WHERE id = @id AND token = @token AND state = 'active';
