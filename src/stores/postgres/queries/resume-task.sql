-- resume-task: clears a task's pause. $1 task name. Idempotent.
DELETE FROM /* schema */.task_pauses WHERE name = $1;
