-- resume-task: clears a task's pause. @name. Idempotent.
DELETE FROM errand_task_pauses WHERE name = @name;
