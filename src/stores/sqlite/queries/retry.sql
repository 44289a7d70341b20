-- retry: makes one dead or cancelled job waiting again, attempts and stalls reset.
-- @id @now. Changes one row, or none when the job is in another state. OR IGNORE skips
-- a job whose key a live job now holds (the unique index would refuse it).
UPDATE OR IGNORE errand_jobs
SET state = 'waiting', attempt = 0, stalls = 0, run_at = @now, started_at = NULL,
    finished_at = NULL, result = NULL, progress = NULL
WHERE id = @id AND state IN ('dead', 'cancelled');
