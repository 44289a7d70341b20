-- progress: stores leased jobs' progress (JSON text).
-- $1 ids bigint[], $2 tokens text[], $3 progress text[] (parallel).
-- Returns ords int[] (1-based input slots) of the updates that applied; a stale token
-- matches nothing (fenced). Several updates of one job in a batch keep the last.
-- Atomic: one statement.
WITH u AS (
  SELECT id, token, (array_agg(progress ORDER BY ord DESC))[1] AS progress,
         array_agg(ord::int) AS ords
  FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS u(id, token, progress, ord)
  GROUP BY id, token
)
UPDATE /* schema */.jobs j
SET progress = u.progress
FROM u
WHERE j.id = u.id AND j.token = u.token AND j.state = 'active'
RETURNING u.ords;
