-- count-active-group: running jobs of one group of a task, in every queue. @name @grp.
-- Reads errand_jobs_active_task.
SELECT count(*) AS n FROM errand_jobs WHERE name = @name AND grp = @grp AND state = 'active';
