-- claim-cursors: where each group bucket of the given queues stands in the rotation (grp
-- '' for jobs without a group): when its turn last ended and how much of its current turn
-- it used. @queues (JSON array). A bucket in several queues reports its latest row
-- (SQLite takes the bare column `used` from the row holding max(served)).
SELECT grp, max(served) AS served, used FROM errand_group_cursors
WHERE queue IN (SELECT value FROM json_each(@queues))
GROUP BY grp;
