-- set-cursor: records where a group bucket of a queue stands in the rotation.
-- @queue @grp ('' for jobs without a group) @served (sequence value of its last ended turn)
-- @used (jobs taken in its current turn).
INSERT INTO errand_group_cursors (queue, grp, served, used) VALUES (@queue, @grp, @served, @used)
ON CONFLICT (queue, grp) DO UPDATE SET served = excluded.served, used = excluded.used;
