-- fire-schedule: moves a schedule from the occurrence it is firing to the next, only while
-- it still waits for that occurrence (compare-and-set). @name @expected @next. Changes one
-- row, or none when another process fired it first; fire-schedule's caller enqueues the
-- occurrence's job in the same IMMEDIATE transaction only when a row changed.
UPDATE errand_schedules SET next_run_at = @next
WHERE name = @name AND next_run_at = @expected;
