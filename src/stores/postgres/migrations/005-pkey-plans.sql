-- 005-pkey-plans: the claim, settle and extend functions of 003 read jobs by primary
-- key whatever the statistics say. Their plans are generic (planned once per connection
-- without the values), and two of them went wrong as the table changed under a backlog:
--
-- - claim_plain's lock and update joined the candidate ids to the jobs table with a hash
--   join over a sequential scan of the whole table whenever the table looked small when
--   the plan was made, so every claim read every row, finished ones included: 30 ms for
--   a claim of 250 over 20,000 rows, and more as completed jobs piled up. Without
--   sequential scans it chose a merge join that walks the primary key from the oldest
--   job instead. With both off, and hash joins too, the only way left is what was meant:
--   each candidate looked up by its key in a nested loop.
-- - settle_batch and extend_leases matched `state = 'active'`, which the planner can
--   answer from the partial indexes on active jobs (jobs_leases, jobs_active_task).
--   Statistics gathered while few jobs were active made it scan all active jobs and, for
--   each, the whole batch: a settle of 250 with 6,000 jobs leased cost 110 ms. They now
--   test `lease_expires_at IS NOT NULL` instead, which the table's CHECK makes
--   equivalent for a row whose token matched (a row has a token and a lease exactly when
--   it is active), and which no partial index answers: the rows are found by key.
--
-- Every join in these three functions is a small set (candidates, a batch of outcomes or
-- leases) driving lookups by key, so they all run with sequential scans, merge joins and
-- hash joins off, whatever the table's size or statistics when a connection plans them.
--
-- The functions keep their signatures and results; CREATE OR REPLACE and ALTER FUNCTION
-- make running the file twice harmless.

ALTER FUNCTION /* schema */.claim_plain(text[], integer, bigint, bigint, text)
  SET enable_seqscan = off;
ALTER FUNCTION /* schema */.claim_plain(text[], integer, bigint, bigint, text)
  SET enable_mergejoin = off;
ALTER FUNCTION /* schema */.claim_plain(text[], integer, bigint, bigint, text)
  SET enable_hashjoin = off;

-- settle_batch: as in 003 (which documents it), matching active jobs by their lease.
CREATE OR REPLACE FUNCTION /* schema */.settle_batch(
  p_ids bigint[], p_tokens text[], p_kinds text[], p_payloads text[], p_delays bigint[],
  p_now bigint)
RETURNS SETOF integer
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_mergejoin = off
SET enable_hashjoin = off
AS $$
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
BEGIN
  RETURN QUERY
  WITH o AS MATERIALIZED (
    SELECT DISTINCT ON (i.id, i.token) i.id, i.token, i.kind, i.payload, i.delay_ms, i.ord
    FROM unnest(p_ids, p_tokens, p_kinds, p_payloads, p_delays)
         WITH ORDINALITY AS i(id, token, kind, payload, delay_ms, ord)
    ORDER BY i.id, i.token, i.ord
  ),
  removed AS (
    DELETE FROM /* schema */.jobs j
    USING o
    WHERE o.kind = 'remove' AND j.id = o.id AND j.token = o.token
      AND j.lease_expires_at IS NOT NULL
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
        run_at = CASE WHEN o.kind IN ('retry', 'postpone') THEN v_now + o.delay_ms
                      ELSE j.run_at END,
        attempt = CASE WHEN o.kind IN ('release', 'postpone')
                       THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
        finished_at = CASE WHEN o.kind IN ('complete', 'dead') THEN v_now
                           ELSE j.finished_at END,
        token = NULL,
        lease_expires_at = NULL
    FROM o
    WHERE o.kind <> 'remove' AND j.id = o.id AND j.token = o.token
      AND j.lease_expires_at IS NOT NULL
    RETURNING o.ord
  )
  SELECT removed.ord::integer FROM removed
  UNION ALL
  SELECT updated.ord::integer FROM updated;
END
$$;

-- extend_leases: as in 003 (which documents it), matching active jobs by their lease.
CREATE OR REPLACE FUNCTION /* schema */.extend_leases(
  p_ids bigint[], p_tokens text[], p_lease_ms bigint, p_now bigint)
RETURNS SETOF integer[]
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_mergejoin = off
SET enable_hashjoin = off
AS $$
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
BEGIN
  RETURN QUERY
  WITH l AS (
    SELECT i.id, i.token, array_agg(i.ord::integer) AS ords
    FROM unnest(p_ids, p_tokens) WITH ORDINALITY AS i(id, token, ord)
    GROUP BY i.id, i.token
  )
  UPDATE /* schema */.jobs j
  SET lease_expires_at = v_now + p_lease_ms
  FROM l
  WHERE j.id = l.id AND j.token = l.token AND j.lease_expires_at IS NOT NULL
  RETURNING l.ords;
END
$$;
