-- next-unblock: when the earliest block on a task in the given queues ends, so an idle
-- worker wakes for it. @queues (JSON array) @now. Returns one row: at (null when none).
SELECT min(until) AS at FROM errand_blocks
WHERE until > @now AND queue IN (SELECT value FROM json_each(@queues));
