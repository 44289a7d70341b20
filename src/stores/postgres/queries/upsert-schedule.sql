-- upsert-schedule: inserts a schedule, or updates the one of that name. An update with the
-- same cron and tz keeps the stored next_run_at, so a redeploy neither skips nor repeats
-- an occurrence. $1 name, $2 cron, $3 tz, $4 task, $5 queue, $6 data, $7 options (JSON
-- text), $8 misfire, $9 next_run_at bigint, $10 now bigint (null: the database's clock).
-- Atomic: one upsert; two processes upserting at once end with one row.
INSERT INTO /* schema */.schedules (name, cron, tz, task, queue, data, options, misfire,
                                    next_run_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint,
        coalesce($10::bigint, /* schema */.now_ms()), coalesce($10::bigint, /* schema */.now_ms()))
ON CONFLICT (name) DO UPDATE SET
  next_run_at = CASE WHEN /* schema */.schedules.cron = excluded.cron
                          AND /* schema */.schedules.tz = excluded.tz
                     THEN /* schema */.schedules.next_run_at ELSE excluded.next_run_at END,
  cron = excluded.cron, tz = excluded.tz, task = excluded.task, queue = excluded.queue,
  data = excluded.data, options = excluded.options, misfire = excluded.misfire,
  updated_at = excluded.updated_at;
