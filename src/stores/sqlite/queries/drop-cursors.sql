-- drop-cursors: forgets the rotation cursors of a queue's buckets that have no pending job
-- left, so the table stays as small as the set of live groups. A bucket that comes back
-- starts as never served. @queue @live (JSON array of the live grp values, '' included).
DELETE FROM errand_group_cursors
WHERE queue = @queue AND grp NOT IN (SELECT value FROM json_each(@live));
