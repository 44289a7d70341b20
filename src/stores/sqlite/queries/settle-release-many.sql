-- settle-release-many: hands unfinished jobs back (worker shutdown), one statement for a
-- whole batch: waiting at once, in their old place in line, the start undone.
-- @outcomes (JSON array of {id, token}; ids distinct). Returns the id of each job changed.
UPDATE errand_jobs
SET state = 'waiting', attempt = max(attempt - 1, 0), token = NULL, lease_expires_at = NULL
FROM (SELECT value ->> 'id' AS id, value ->> 'token' AS token FROM json_each(@outcomes)) AS o
WHERE errand_jobs.id = o.id AND errand_jobs.token = o.token AND errand_jobs.state = 'active'
RETURNING id;
