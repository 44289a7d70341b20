-- insert-raw: inserts a job exactly as given, in any state (tests and tools).
-- One parameter per column. Returns id.
INSERT INTO errand_jobs (name, queue, state, data, result, error, priority, attempt, attempts,
                         stalls, max_stalls, key, grp, token, lease_expires_at, created_at,
                         run_at, started_at, finished_at)
VALUES (@name, @queue, @state, @data, @result, @error, @priority, @attempt, @attempts,
        @stalls, @maxStalls, @key, @grp, @token, @leaseExpiresAt, @createdAt,
        @runAt, @startedAt, @finishedAt)
RETURNING id;
