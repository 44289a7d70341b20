-- claim-buckets: the group buckets of one queue that have waiting or scheduled jobs: each
-- group key once, plus NULL when jobs without a group are pending.
-- @queue. Skips through errand_jobs_group_due one group at a time (a recursive min), so
-- the cost grows with the number of groups, not with the size of their backlogs.
WITH RECURSIVE grouped(grp) AS (
  SELECT min(grp) FROM errand_jobs
  WHERE queue = @queue AND state IN ('waiting', 'scheduled') AND grp IS NOT NULL
  UNION ALL
  SELECT (SELECT min(grp) FROM errand_jobs
          WHERE queue = @queue AND state IN ('waiting', 'scheduled') AND grp > grouped.grp)
  FROM grouped WHERE grouped.grp IS NOT NULL
)
SELECT grp FROM grouped WHERE grp IS NOT NULL
UNION ALL
SELECT NULL WHERE EXISTS (
  SELECT 1 FROM errand_jobs
  WHERE queue = @queue AND state IN ('waiting', 'scheduled') AND grp IS NULL
);
