-- set-cursor: records that a group bucket of a queue was served at sequence @served.
-- @queue @grp ('' for jobs without a group) @served.
INSERT INTO errand_group_cursors (queue, grp, served) VALUES (@queue, @grp, @served)
ON CONFLICT (queue, grp) DO UPDATE SET served = excluded.served;
