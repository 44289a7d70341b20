-- settle-retry-many: fails one attempt of each leased job and makes it due again, one
-- statement for a whole batch. @outcomes (JSON array of {id, token, error (JSON text),
-- runAt}; ids distinct) @now. Returns the id of each job changed; stale tokens change nothing.
UPDATE errand_jobs
SET state = CASE WHEN o.run_at > @now THEN 'scheduled' ELSE 'waiting' END,
    run_at = o.run_at, error = o.error, token = NULL, lease_expires_at = NULL
FROM (SELECT value ->> 'id' AS id, value ->> 'token' AS token, value ->> 'error' AS error,
             value ->> 'runAt' AS run_at
      FROM json_each(@outcomes)) AS o
WHERE errand_jobs.id = o.id AND errand_jobs.token = o.token AND errand_jobs.state = 'active'
RETURNING id;
