-- log: appends lines to leased jobs' logs.
-- $1 ids bigint[], $2 tokens text[], $3 messages text[] (parallel), $4 now bigint (null:
-- the database's clock). Returns ords int[] (1-based input slots) of the lines that
-- applied; a stale token matches nothing (fenced). Lines of one job keep input order.
-- Atomic: one statement.
WITH l AS (
  SELECT id, token,
         jsonb_agg(jsonb_build_object('at', coalesce($4::bigint, /* schema */.now_ms()),
                                      'message', message) ORDER BY ord) AS lines,
         array_agg(ord::int) AS ords
  FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS l(id, token, message, ord)
  GROUP BY id, token
)
UPDATE /* schema */.jobs j
SET logs = j.logs || l.lines
FROM l
WHERE j.id = l.id AND j.token = l.token AND j.state = 'active'
RETURNING l.ords;
