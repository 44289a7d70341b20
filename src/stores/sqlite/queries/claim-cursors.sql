-- claim-cursors: when each group bucket was last served in the given queues (grp '' for
-- jobs without a group). @queues (JSON array). A bucket served in several queues reports
-- its latest serve.
SELECT grp, max(served) AS served FROM errand_group_cursors
WHERE queue IN (SELECT value FROM json_each(@queues))
GROUP BY grp;
