-- prune-starts: forgets a task's starts older than its largest window. @name @before.
DELETE FROM errand_starts WHERE name = @name AND at <= @before;
