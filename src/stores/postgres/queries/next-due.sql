-- next-due: how long until the next delayed job of the given queues falls due.
-- $1 queues text[], $2 now bigint (null: the database's clock).
-- Returns one row: in_ms, null when no job is scheduled later. Jobs already due and
-- jobs of paused queues are left out: a worker that claimed fewer than it asked for
-- would otherwise wake at once for jobs it cannot take.
SELECT min(j.run_at) - coalesce($2::bigint, /* schema */.now_ms()) AS in_ms
FROM /* schema */.jobs j
WHERE j.state = 'scheduled'
  AND j.queue = ANY($1::text[])
  AND j.run_at > coalesce($2::bigint, /* schema */.now_ms())
  AND NOT EXISTS (SELECT 1 FROM /* schema */.queues q WHERE q.queue = j.queue AND q.paused);
