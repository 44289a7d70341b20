-- fire-schedule: moves a schedule from the occurrence it is firing to the next, only while
-- it still waits for that occurrence (compare-and-set). $1 name, $2 expected next_run_at,
-- $3 the next one. Returns the name when the row changed, nothing when another process
-- fired the occurrence first: a concurrent firing waits on the row lock, then re-checks
-- next_run_at against the committed row and matches nothing. The caller enqueues the
-- occurrence's job in the same transaction only when a row changed.
UPDATE /* schema */.schedules
SET next_run_at = $3::bigint
WHERE name = $1 AND next_run_at = $2::bigint
RETURNING name;
