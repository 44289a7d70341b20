-- block: keeps claims from starting a task's jobs (grp '' for the whole task, else one
-- group) before @until; an existing later block stays. @queue @name @grp @until.
INSERT INTO errand_blocks (queue, name, grp, until) VALUES (@queue, @name, @grp, @until)
ON CONFLICT (queue, name, grp) DO UPDATE SET until = max(until, excluded.until);
