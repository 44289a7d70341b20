-- pause-task: marks a task paused in every queue. @name. Idempotent.
INSERT OR IGNORE INTO errand_task_pauses (name) VALUES (@name);
