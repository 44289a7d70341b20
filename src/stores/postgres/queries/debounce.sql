-- debounce: gives keys' pending (not yet started) holders new data and a new due time.
-- $1 holder ids bigint[], $2 data text[] (JSON), $3 debounce_ms bigint[] (parallel, in
-- input order), $4 now bigint (null: the database's clock).
-- Returns id and state of each holder changed; a holder that already started (or ended)
-- matches nothing and keeps its data. When several slots name one holder, the last wins.
-- Runs inside enqueue's transaction, right after find-live-keys.sql found the holders.
WITH d AS (
  SELECT DISTINCT ON (i.id) i.id, i.data, i.debounce_ms
  FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS i(id, data, debounce_ms, ord)
  ORDER BY i.id, i.ord DESC
),
clock AS (SELECT coalesce($4::bigint, /* schema */.now_ms()) AS now)
UPDATE /* schema */.jobs j
SET data = d.data,
    run_at = clock.now + d.debounce_ms,
    state = CASE WHEN d.debounce_ms > 0 THEN 'scheduled' ELSE 'waiting' END
FROM d CROSS JOIN clock
WHERE j.id = d.id AND j.state IN ('scheduled', 'waiting')
RETURNING j.id, j.state;
