-- last-served: the newest value of the rotation sequence; claim continues from it. No params.
SELECT coalesce(max(served), 0) AS served FROM errand_group_cursors;
