-- pause-task: marks a task paused in every queue. $1 task name. Idempotent.
INSERT INTO /* schema */.task_pauses (name) VALUES ($1) ON CONFLICT (name) DO NOTHING;
