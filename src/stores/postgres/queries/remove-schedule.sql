-- remove-schedule: deletes a schedule by name; the jobs it enqueued stay. $1 name.
-- Returns the name when it existed.
DELETE FROM /* schema */.schedules WHERE name = $1 RETURNING name;
