-- claim: leases up to @limit due jobs of the given queues to one worker.
-- @queues (JSON array of queue names) @limit @now @leaseMs @worker.
-- Returns the claimed rows in no particular order (the store sorts them).
-- Atomic: one UPDATE inside an IMMEDIATE transaction, so no other process can lease
-- the same rows; each row gets its own random token for fencing.
UPDATE errand_jobs
SET state = 'active',
    attempt = attempt + 1,
    token = lower(hex(randomblob(12))),
    worker = @worker,
    lease_expires_at = @now + @leaseMs,
    started_at = @now
WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE state IN ('waiting', 'scheduled')
    AND run_at <= @now
    AND queue IN (SELECT value FROM json_each(@queues))
    AND queue NOT IN (SELECT queue FROM errand_queues WHERE paused = 1)
  ORDER BY priority DESC, run_at, id
  LIMIT @limit
)
RETURNING id, name, queue, data, priority, attempt, attempts, stalls, max_stalls, key, grp,
          token, created_at, run_at, lease_expires_at;
