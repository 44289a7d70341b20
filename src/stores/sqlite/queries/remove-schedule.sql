-- remove-schedule: deletes a schedule by name; the jobs it enqueued stay. @name.
DELETE FROM errand_schedules WHERE name = @name;
