-- retry: makes dead or cancelled jobs waiting again, attempts and stalls reset.
-- $1 ids bigint[] (null: select by the filter), $2 state ('dead' or 'cancelled'; null
-- for both), $3 queue (null: any), $4 task name (null: any), $5 now bigint (null: the
-- database's clock). Returns the id of each job moved.
-- Atomic: one statement. A job whose key a live job holds is skipped, and of several
-- candidates sharing a key only the oldest moves, so the unique index jobs_live_key is
-- never violated by the statement itself; a holder committed concurrently can still
-- raise a unique violation, which the store retries.
WITH candidates AS (
  SELECT id, queue, key
  FROM /* schema */.jobs
  WHERE state IN ('dead', 'cancelled')
    AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
    AND ($2::text IS NULL OR state = $2::text)
    AND ($3::text IS NULL OR queue = $3::text)
    AND ($4::text IS NULL OR name = $4::text)
  FOR UPDATE
),
picked AS (
  SELECT c.id
  FROM candidates c
  WHERE c.key IS NULL
     OR (c.id = (SELECT min(c2.id) FROM candidates c2 WHERE c2.queue = c.queue AND c2.key = c.key)
         AND NOT EXISTS (SELECT 1 FROM /* schema */.jobs h
                         WHERE h.queue = c.queue AND h.key = c.key
                           AND h.state IN ('scheduled', 'waiting', 'active')))
)
UPDATE /* schema */.jobs j
SET state = 'waiting', attempt = 0, stalls = 0,
    run_at = coalesce($5::bigint, /* schema */.now_ms()),
    started_at = NULL, finished_at = NULL, result = NULL, progress = NULL
FROM picked
WHERE j.id = picked.id
RETURNING j.id;
