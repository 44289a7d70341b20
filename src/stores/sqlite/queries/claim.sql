-- claim: leases up to @limit due jobs of the given queues to one worker, in claim order.
-- The fast path of claim, for claims without limits over queues without groups; anything
-- else goes through claim-head and claim-take (sqlite/claim.ts), which yield the same order.
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
  SELECT id FROM errand_jobs AS j
  WHERE state IN ('waiting', 'scheduled')
    AND run_at <= @now
    AND queue IN (SELECT value FROM json_each(@queues))
    AND queue NOT IN (SELECT queue FROM errand_queues WHERE paused = 1)
    AND name NOT IN (SELECT name FROM errand_task_pauses)
    AND NOT EXISTS (
      SELECT 1 FROM errand_blocks AS b
      WHERE b.queue = j.queue AND b.name = j.name AND b.grp IN ('', coalesce(j.grp, ''))
        AND b.until > @now
    )
  ORDER BY priority DESC, run_at, id
  LIMIT @limit
)
RETURNING id, name, queue, data, priority, attempt, attempts, stalls, max_stalls, key, grp,
          token, created_at, run_at, lease_expires_at;
