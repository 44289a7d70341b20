-- next-due: the earliest future due time among scheduled jobs of the given queues. Jobs
-- already due are left out: if claim did not take them, a pause or a limit holds them, and
-- waking at once for them would spin.
-- @queues (JSON array) @now. Returns one row: at (null when none is scheduled).
SELECT min(run_at) AS at FROM errand_jobs
WHERE state = 'scheduled' AND run_at > @now AND queue IN (SELECT value FROM json_each(@queues));
