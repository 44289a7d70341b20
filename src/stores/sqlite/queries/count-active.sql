-- count-active: running jobs of a task, in every queue. @name. Reads errand_jobs_active_task.
SELECT count(*) AS n FROM errand_jobs WHERE name = @name AND state = 'active';
