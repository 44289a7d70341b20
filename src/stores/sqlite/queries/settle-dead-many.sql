-- settle-dead-many: moves leased jobs to the dead-letter state with their last errors, one
-- statement for a whole batch. @outcomes (JSON array of {id, token, error (JSON text)}; ids
-- distinct) @now. Returns the id of each job changed; stale tokens change nothing.
UPDATE errand_jobs
SET state = 'dead', error = o.error, finished_at = @now, token = NULL, lease_expires_at = NULL
FROM (SELECT value ->> 'id' AS id, value ->> 'token' AS token, value ->> 'error' AS error
      FROM json_each(@outcomes)) AS o
WHERE errand_jobs.id = o.id AND errand_jobs.token = o.token AND errand_jobs.state = 'active'
RETURNING id;
