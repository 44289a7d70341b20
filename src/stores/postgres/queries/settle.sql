-- settle: applies a batch of outcomes to leased jobs.
-- $1 ids bigint[], $2 tokens text[], $3 kinds text[] ('complete', 'remove', 'retry',
-- 'dead', 'release', 'postpone'), $4 payloads text[] (the result for complete, the error
-- JSON for retry and dead, else null), $5 delay_ms bigint[] (retry and postpone), $6 now
-- bigint (null: the database's clock). The arrays are parallel, one slot per outcome.
-- Returns ord (1-based input slot) of each outcome that applied. An outcome applies only
-- while its job is active under its token; otherwise it matches nothing (fenced).
-- Atomic: one statement for the whole batch (group commit). 'remove' completes a job by
-- deleting it (retention of zero); 'release' hands it back unfinished with its start
-- undone; 'retry' makes it due delay_ms after now; 'postpone' (an upstream rate limit)
-- makes it due delay_ms after now with its start undone and its error left as it was.
WITH o AS (
  SELECT *
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])
       WITH ORDINALITY AS o(id, token, kind, payload, delay_ms, ord)
),
removed AS (
  DELETE FROM /* schema */.jobs j
  USING o
  WHERE o.kind = 'remove' AND j.id = o.id AND j.token = o.token AND j.state = 'active'
  RETURNING o.ord
),
updated AS (
  UPDATE /* schema */.jobs j
  SET state = CASE o.kind
                WHEN 'complete' THEN 'completed'
                WHEN 'dead' THEN 'dead'
                WHEN 'release' THEN 'waiting'
                ELSE CASE WHEN o.delay_ms > 0 THEN 'scheduled' ELSE 'waiting' END
              END,
      result = CASE WHEN o.kind = 'complete' THEN o.payload ELSE j.result END,
      error = CASE WHEN o.kind IN ('retry', 'dead') THEN o.payload ELSE j.error END,
      run_at = CASE WHEN o.kind IN ('retry', 'postpone')
                    THEN coalesce($6::bigint, /* schema */.now_ms()) + o.delay_ms
                    ELSE j.run_at END,
      attempt = CASE WHEN o.kind IN ('release', 'postpone') THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
      finished_at = CASE WHEN o.kind IN ('complete', 'dead')
                         THEN coalesce($6::bigint, /* schema */.now_ms())
                         ELSE j.finished_at END,
      token = NULL,
      lease_expires_at = NULL
  FROM o
  WHERE o.kind <> 'remove' AND j.id = o.id AND j.token = o.token AND j.state = 'active'
  RETURNING o.ord
)
SELECT ord::int AS ord FROM removed
UNION ALL
SELECT ord::int AS ord FROM updated;
