-- count-starts: starts of a task after @since, and the oldest of them (when the window next
-- has room). @name @since. Reads errand_starts_task.
SELECT count(*) AS n, min(at) AS oldest FROM errand_starts WHERE name = @name AND at > @since;
