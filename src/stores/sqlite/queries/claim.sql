-- claim: leases the jobs a claim chose to one worker, each with a fresh random token.
-- Prepared raw (statements.ts): rows come back as arrays, so the RETURNING order is
-- ClaimRow's (rows.ts).
-- @ids (JSON array of job ids) @now @leaseMs @worker. Returns the claimed rows, in no
-- particular order. The surrounding IMMEDIATE transaction chose them as due a moment ago,
-- so no other claim can lease them in between; the state check is a guard all the same.
UPDATE errand_jobs
SET state = 'active',
    attempt = attempt + 1,
    token = lower(hex(randomblob(12))),
    worker = @worker,
    lease_expires_at = @now + @leaseMs,
    started_at = @now
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('waiting', 'scheduled')
RETURNING id, name, queue, data, priority, attempt, attempts, stalls, max_stalls, key, grp,
          token, created_at, run_at, lease_expires_at;
