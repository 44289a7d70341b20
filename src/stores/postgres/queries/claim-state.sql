-- claim-state: what a flow claim needs to know before choosing jobs, read under its locks.
-- $1 queues text[], $2 now bigint, $3 limited task names text[], $4 each task's rate
-- window in ms bigint[] (null: no rate limit), $5 each task's widest window (task or group
-- rate) bigint[] (null: none). $3..$5 are parallel.
-- Returns one row:
--   open     text[]  the queues of $1 that are not paused;
--   paused   text[]  every paused task;
--   blocks   jsonb   [{queue, name, grp}]: the blocks in force on tasks of the open queues
--                    (grp '' for the whole task);
--   buckets  jsonb   [{grp, served, used}]: each group with pending jobs in the open queues
--                    (grp null for jobs without a group, listed when any is due), with its
--                    rotation cursor (served 0 when never served);
--   tasks    jsonb   [{name, active, starts, oldest}]: running jobs of each limited task in
--                    every queue, and its starts within its rate window, with the oldest;
--   next_at  bigint  the earliest future due time of a scheduled job or end of a block.
-- Also forgets, as data-modifying CTEs, the rotation cursors of groups with no pending job
-- left, and the starts older than their task's widest window (SKIP LOCKED: a start another
-- claim is forgetting right now is left to it).
-- Groups are listed by skipping through jobs_group_due one group at a time (a recursive
-- min per queue), so the cost grows with the number of groups, not with their backlogs.
WITH RECURSIVE open_queues AS (
  SELECT q.queue
  FROM unnest($1::text[]) AS q(queue)
  WHERE NOT EXISTS (SELECT 1 FROM /* schema */.queues p WHERE p.queue = q.queue AND p.paused)
),
groups (queue, grp) AS (
  SELECT q.queue,
         (SELECT min(j.grp) FROM /* schema */.jobs j
          WHERE j.queue = q.queue AND j.grp IS NOT NULL AND j.state IN ('waiting', 'scheduled'))
  FROM open_queues q
  UNION ALL
  SELECT g.queue,
         (SELECT min(j.grp) FROM /* schema */.jobs j
          WHERE j.queue = g.queue AND j.grp IS NOT NULL AND j.grp > g.grp
            AND j.state IN ('waiting', 'scheduled'))
  FROM groups g
  WHERE g.grp IS NOT NULL
),
live AS (
  SELECT DISTINCT grp FROM groups WHERE grp IS NOT NULL
  UNION ALL
  SELECT NULL
  WHERE EXISTS (
    SELECT 1 FROM open_queues q
    WHERE EXISTS (SELECT 1 FROM /* schema */.jobs w
                  WHERE w.queue = q.queue AND w.state = 'waiting' AND w.grp IS NULL)
       OR EXISTS (SELECT 1 FROM /* schema */.jobs s
                  WHERE s.queue = q.queue AND s.state = 'scheduled' AND s.grp IS NULL
                    AND s.run_at <= $2::bigint))
),
cursors AS (
  SELECT DISTINCT ON (c.grp) c.grp, c.served, c.used
  FROM /* schema */.group_cursors c
  WHERE c.queue IN (SELECT queue FROM open_queues)
  ORDER BY c.grp, c.served DESC
),
dropped AS (
  DELETE FROM /* schema */.group_cursors c
  USING open_queues q
  WHERE c.queue = q.queue AND c.grp <> ''
    AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.queue = c.queue AND g.grp = c.grp)
),
pruned AS (
  DELETE FROM /* schema */.starts s
  WHERE s.id IN (
    SELECT o.id
    FROM /* schema */.starts o
    JOIN unnest($3::text[], $5::bigint[]) AS w(name, widest) ON o.name = w.name
    WHERE o.at <= $2::bigint - w.widest
    FOR UPDATE OF o SKIP LOCKED)
)
SELECT
  ARRAY(SELECT queue FROM open_queues) AS open,
  ARRAY(SELECT name FROM /* schema */.task_pauses ORDER BY name) AS paused,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('queue', b.queue, 'name', b.name,
                                                'grp', b.grp)), '[]')
   FROM /* schema */.blocks b
   WHERE b.queue IN (SELECT queue FROM open_queues) AND b.until > $2::bigint) AS blocks,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('grp', l.grp,
                                                'served', coalesce(c.served, 0),
                                                'used', coalesce(c.used, 0))), '[]')
   FROM live l LEFT JOIN cursors c ON c.grp = coalesce(l.grp, '')) AS buckets,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('name', t.name, 'active', a.n,
                                                'starts', s.n, 'oldest', s.oldest)), '[]')
   FROM unnest($3::text[], $4::bigint[]) AS t(name, per_ms)
   CROSS JOIN LATERAL (SELECT count(*) AS n FROM /* schema */.jobs j
                       WHERE j.name = t.name AND j.state = 'active') a
   CROSS JOIN LATERAL (SELECT count(*) AS n, min(st.at) AS oldest FROM /* schema */.starts st
                       WHERE st.name = t.name AND st.at > $2::bigint - t.per_ms) s) AS tasks,
  least(
    (SELECT min(n.at) FROM open_queues q
     CROSS JOIN LATERAL (SELECT min(j.run_at) AS at FROM /* schema */.jobs j
                         WHERE j.queue = q.queue AND j.state = 'scheduled'
                           AND j.run_at > $2::bigint) n),
    (SELECT min(b.until) FROM /* schema */.blocks b
     WHERE b.queue IN (SELECT queue FROM open_queues) AND b.until > $2::bigint)
  ) AS next_at;
