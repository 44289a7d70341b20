-- extend: pushes leases' expiry to now + $3, through extend_leases() (migration
-- 003-hot-paths.sql). $1 ids bigint[], $2 tokens text[] (parallel), $3 lease_ms, $4 now
-- bigint (null: the database's clock). Returns ords int[] (1-based input slots) of each
-- lease still held; a stale token, or a job no longer active, matches nothing (fenced).
-- Atomic: one statement.
SELECT ords FROM /* schema */.extend_leases($1::bigint[], $2::text[], $3::bigint, $4::bigint) AS e(ords);
