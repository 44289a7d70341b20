-- record-start: notes one start of a rate-limited task for later claims to count.
-- @name @grp @at.
INSERT INTO errand_starts (name, grp, at) VALUES (@name, @grp, @at);
