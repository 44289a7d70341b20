-- settle-postpone-many: puts leased jobs back after an upstream rate limit, one statement
-- for a whole batch: each due at its runAt, the start undone. @outcomes (JSON array of
-- {id, token, runAt}; ids distinct) @now. Returns the id of each job changed.
UPDATE errand_jobs
SET state = CASE WHEN o.run_at > @now THEN 'scheduled' ELSE 'waiting' END,
    run_at = o.run_at, attempt = max(attempt - 1, 0), token = NULL, lease_expires_at = NULL
FROM (SELECT value ->> 'id' AS id, value ->> 'token' AS token, value ->> 'runAt' AS run_at
      FROM json_each(@outcomes)) AS o
WHERE errand_jobs.id = o.id AND errand_jobs.token = o.token AND errand_jobs.state = 'active'
RETURNING id;
