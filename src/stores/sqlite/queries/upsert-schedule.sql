-- upsert-schedule: inserts a schedule, or updates the one of that name. An update with the
-- same cron and tz keeps the stored next_run_at, so a redeploy neither skips nor repeats
-- an occurrence. @name @cron @tz @task @queue @data @options @misfire @nextRunAt @now.
INSERT INTO errand_schedules (name, cron, tz, task, queue, data, options, misfire, next_run_at,
                              created_at, updated_at)
VALUES (@name, @cron, @tz, @task, @queue, @data, @options, @misfire, @nextRunAt, @now, @now)
ON CONFLICT (name) DO UPDATE SET
  next_run_at = CASE WHEN errand_schedules.cron = excluded.cron AND errand_schedules.tz = excluded.tz
                     THEN errand_schedules.next_run_at ELSE excluded.next_run_at END,
  cron = excluded.cron, tz = excluded.tz, task = excluded.task, queue = excluded.queue,
  data = excluded.data, options = excluded.options, misfire = excluded.misfire,
  updated_at = excluded.updated_at;
