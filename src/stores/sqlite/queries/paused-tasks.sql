-- paused-tasks: names of the paused tasks. No params.
SELECT name FROM errand_task_pauses ORDER BY name;
