-- settle-complete-many: marks leased jobs completed with their results, one statement for
-- a whole batch. @outcomes (JSON array of {id, token, result}; ids distinct) @now.
-- Returns the id of each job changed; a stale token (fenced) changes nothing.
UPDATE errand_jobs
SET state = 'completed', result = o.result, finished_at = @now, token = NULL,
    lease_expires_at = NULL
FROM (SELECT value ->> 'id' AS id, value ->> 'token' AS token, value ->> 'result' AS result
      FROM json_each(@outcomes)) AS o
WHERE errand_jobs.id = o.id AND errand_jobs.token = o.token AND errand_jobs.state = 'active'
RETURNING id;
