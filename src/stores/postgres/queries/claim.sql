-- claim: the plain claim: leases up to $2 due jobs of the given queues to one worker, when
-- no flow control is in play there; otherwise it leases nothing and says so.
-- $1 queues text[], $2 limit, $3 lease_ms, $4 now bigint (null: the database's clock),
-- $5 worker id (recorded for operators).
-- Returns one row per claimed job (in no particular order; the store sorts them) with
-- divert = false, or a single row with a null id when nothing was claimed; divert = true
-- means a task is paused, a task of these queues is blocked, or a grouped job is pending
-- in them, and the store must run the flow claim (claim-flow.ts) instead.
-- Atomic: one statement. `flow` probes the small task_pauses and blocks tables and the
-- grouped-jobs index, all empty when flow control is not used. `candidates` reads, per
-- unpaused queue, the head of the waiting line in claim order (an ordered scan of
-- jobs_waiting that stops early) and the delayed jobs already due (a range scan of
-- jobs_scheduled); finished and future jobs are never read. `due` then locks the best of
-- those in claim order (priority, due time, id) FOR UPDATE SKIP LOCKED, so concurrent
-- claims take disjoint jobs without waiting on each other, and re-checks each locked row,
-- so a job another claim took in between is dropped. The UPDATE gives each row its own
-- random token for fencing. Candidates are taken with room to spare for rows other claims
-- hold locked; if a claim still comes up short, next-due.sql says jobs are due and the
-- worker claims again at once.
WITH open_queues AS (
  SELECT q.queue
  FROM unnest($1::text[]) AS q(queue)
  WHERE NOT EXISTS (SELECT 1 FROM /* schema */.queues p WHERE p.queue = q.queue AND p.paused)
),
flow AS (
  SELECT EXISTS (SELECT 1 FROM /* schema */.task_pauses)
      OR EXISTS (SELECT 1 FROM /* schema */.blocks b
                 WHERE b.queue = ANY($1::text[])
                   AND b.until > coalesce($4::bigint, /* schema */.now_ms()))
      OR EXISTS (SELECT 1 FROM open_queues q
                 WHERE EXISTS (SELECT 1 FROM /* schema */.jobs g
                               WHERE g.queue = q.queue AND g.grp IS NOT NULL
                                 AND g.state IN ('waiting', 'scheduled')))
      AS divert
),
candidates AS (
  SELECT c.id
  FROM open_queues q
  CROSS JOIN LATERAL (
    (SELECT w.id
     FROM /* schema */.jobs w
     WHERE w.queue = q.queue AND w.state = 'waiting' AND w.grp IS NULL
       AND w.run_at <= coalesce($4::bigint, /* schema */.now_ms())
     ORDER BY w.priority DESC, w.run_at, w.id
     LIMIT 2 * $2::int + 16)
    UNION ALL
    (SELECT s.id
     FROM /* schema */.jobs s
     WHERE s.queue = q.queue AND s.state = 'scheduled' AND s.grp IS NULL
       AND s.run_at <= coalesce($4::bigint, /* schema */.now_ms())
     ORDER BY s.priority DESC, s.run_at, s.id
     LIMIT 2 * $2::int + 16)
  ) c
  WHERE NOT (SELECT divert FROM flow)
),
due AS (
  SELECT j.id
  FROM /* schema */.jobs j
  WHERE j.id IN (SELECT id FROM candidates)
    AND j.state IN ('waiting', 'scheduled')
    AND j.run_at <= coalesce($4::bigint, /* schema */.now_ms())
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT $2
  FOR UPDATE OF j SKIP LOCKED
),
claimed AS (
  UPDATE /* schema */.jobs j
  SET state = 'active',
      attempt = j.attempt + 1,
      token = gen_random_uuid()::text,
      worker = $5,
      lease_expires_at = coalesce($4::bigint, /* schema */.now_ms()) + $3::bigint,
      started_at = coalesce($4::bigint, /* schema */.now_ms())
  FROM due
  WHERE j.id = due.id
  RETURNING j.id, j.name, j.queue, j.data, j.priority, j.attempt, j.attempts, j.stalls,
            j.max_stalls, j.key, j.grp, j.token, j.created_at, j.run_at, j.lease_expires_at
)
SELECT f.divert, c.*
FROM flow f
LEFT JOIN claimed c ON true;
