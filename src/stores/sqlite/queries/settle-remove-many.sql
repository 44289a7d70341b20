-- settle-remove-many: completes leased jobs by deleting them (retention of zero), one
-- statement for a whole batch. @outcomes (JSON array of {id, token}; ids distinct).
-- Returns the id of each job deleted; a stale token (fenced) deletes nothing.
DELETE FROM errand_jobs
WHERE id IN (SELECT value ->> 'id' FROM json_each(@outcomes))
  AND state = 'active'
  AND (id, token) IN (SELECT value ->> 'id', value ->> 'token' FROM json_each(@outcomes))
RETURNING id;
