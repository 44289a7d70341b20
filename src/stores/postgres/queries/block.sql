-- block: keeps claims from starting a task's jobs (grp '' for the whole task, else one
-- group) until delay_ms after now; an existing later block stays.
-- $1 queue, $2 task name, $3 grp, $4 delay_ms, $5 now bigint (null: the database's clock).
-- Idempotent: one upsert.
INSERT INTO /* schema */.blocks (queue, name, grp, until)
VALUES ($1, $2, $3, coalesce($5::bigint, /* schema */.now_ms()) + $4::bigint)
ON CONFLICT (queue, name, grp) DO UPDATE
SET until = greatest(/* schema */.blocks.until, excluded.until);
