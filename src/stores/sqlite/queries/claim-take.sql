-- claim-take: leases one job chosen by claim to a worker, with a fresh random token.
-- @id @now @leaseMs @worker. Returns the claimed row. The surrounding IMMEDIATE
-- transaction read the job as due a moment ago, so no other claim can lease it in between.
UPDATE errand_jobs
SET state = 'active',
    attempt = attempt + 1,
    token = lower(hex(randomblob(12))),
    worker = @worker,
    lease_expires_at = @now + @leaseMs,
    started_at = @now
WHERE id = @id AND state IN ('waiting', 'scheduled')
RETURNING id, name, queue, data, priority, attempt, attempts, stalls, max_stalls, key, grp,
          token, created_at, run_at, lease_expires_at;
