-- remove: deletes one job in any state. @id. Deletes one row or none.
DELETE FROM errand_jobs WHERE id = @id;
