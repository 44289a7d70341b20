-- retry-select: ids of jobs a bulk retry takes: one state, optional queue and task name.
-- @state @queue @name. Read inside retry's transaction.
SELECT id FROM errand_jobs
WHERE state = @state AND (@queue IS NULL OR queue = @queue) AND (@name IS NULL OR name = @name)
ORDER BY id;
