-- count-starts-group: starts of one group of a task after @since, and the oldest of them.
-- @name @grp @since. Reads errand_starts_group.
SELECT count(*) AS n, min(at) AS oldest FROM errand_starts
WHERE name = @name AND grp = @grp AND at > @since;
