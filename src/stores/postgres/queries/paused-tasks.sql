-- paused-tasks: names of the paused tasks. No params.
SELECT name FROM /* schema */.task_pauses ORDER BY name;
