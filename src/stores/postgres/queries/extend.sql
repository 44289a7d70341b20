-- extend: pushes leases' expiry to now + $3.
-- $1 ids bigint[], $2 tokens text[] (parallel), $3 lease_ms, $4 now bigint (null: the
-- database's clock). Returns ords int[] (1-based input slots) of each lease still held;
-- a stale token, or a job no longer active, matches nothing (fenced).
-- Atomic: one statement.
WITH l AS (
  SELECT id, token, array_agg(ord::int) AS ords
  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS l(id, token, ord)
  GROUP BY id, token
)
UPDATE /* schema */.jobs j
SET lease_expires_at = coalesce($4::bigint, /* schema */.now_ms()) + $3::bigint
FROM l
WHERE j.id = l.id AND j.token = l.token AND j.state = 'active'
RETURNING l.ords;
