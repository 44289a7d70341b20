-- next-due: how long until a job of the given queues is due, for a plain claim that came
-- up short. $1 queues text[], $2 now bigint (null: the database's clock).
-- Returns one row: in_ms, 0 or less when a job is due already (other claims held it
-- locked, so the worker should claim again at once), else the wait for the earliest
-- delayed job, or null when nothing is due or scheduled. Paused queues are left out: a
-- worker would otherwise wake at once for jobs it cannot take. The plain claim only runs
-- while no grouped job is pending, so the waiting jobs are those of jobs_waiting; it reads
-- only the heads of jobs_waiting and jobs_scheduled. (The flow claim works out its own
-- wake-up time in claim-state.sql.)
SELECT CASE
         WHEN EXISTS (
           SELECT 1 FROM /* schema */.jobs w
           WHERE w.state = 'waiting' AND w.grp IS NULL AND w.queue = ANY($1::text[])
             AND w.run_at <= coalesce($2::bigint, /* schema */.now_ms())
             AND NOT EXISTS (SELECT 1 FROM /* schema */.queues p
                             WHERE p.queue = w.queue AND p.paused))
         THEN 0
         ELSE min(s.run_at) - coalesce($2::bigint, /* schema */.now_ms())
       END AS in_ms
FROM /* schema */.jobs s
WHERE s.state = 'scheduled'
  AND s.queue = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM /* schema */.queues p WHERE p.queue = s.queue AND p.paused);
