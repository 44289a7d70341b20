-- log: appends one line to a leased job's logs.
-- @id @token @message @now. Changes one row, or none when the token is stale (fenced).
UPDATE errand_jobs
SET logs = json_insert(logs, '$[#]', json_object('at', @now, 'message', @message))
WHERE id = @id AND token = @token AND state = 'active';
