-- claim-heads: the next jobs of some group buckets, in claim order, for a flow claim to
-- choose from. $1 open queues text[], $2 the buckets' group keys text[] (null: jobs without
-- a group), $3 how many jobs to read per bucket int[], $4 task names each bucket must skip
-- jsonb (an array of name arrays, one per bucket: paused tasks and tasks at a limit),
-- $5 ids this claim already chose bigint[], $6 now bigint. $2..$4 are parallel.
-- Returns bucket (1-based slot of $2), id, name, grp, priority, run_at and queue of up to
-- $3 due jobs per bucket, merged across the queues in claim order (priority, due time,
-- enqueue order); blocked tasks (blocks in force for the whole task or the job's group)
-- are left out. A bucket that returns fewer rows than asked has no more.
-- Reads the head of each queue's bucket only: grouped jobs from jobs_group_due, jobs
-- without a group from jobs_waiting plus the due part of jobs_scheduled. Runs inside the
-- flow claim's transaction, under its locks.
WITH b AS (
  SELECT i.grp, i.k, i.ord,
         ARRAY(SELECT jsonb_array_elements_text($4::jsonb -> (i.ord::int - 1))) AS skip
  FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS i(grp, k, ord)
)
SELECT b.ord::int AS bucket, h.id, h.name, h.grp, h.priority, h.run_at, h.queue
FROM b
CROSS JOIN LATERAL (
  SELECT c.*
  FROM unnest($1::text[]) AS q(queue)
  CROSS JOIN LATERAL (
    (SELECT j.id, j.name, j.grp, j.priority, j.run_at, j.queue
     FROM /* schema */.jobs j
     WHERE b.grp IS NOT NULL AND j.queue = q.queue AND j.grp IS NOT NULL AND j.grp = b.grp
       AND j.state IN ('waiting', 'scheduled') AND j.run_at <= $6::bigint
       AND j.name <> ALL (b.skip) AND j.id <> ALL ($5::bigint[])
       AND NOT EXISTS (SELECT 1 FROM /* schema */.blocks x
                       WHERE x.queue = j.queue AND x.name = j.name AND x.grp IN ('', j.grp)
                         AND x.until > $6::bigint)
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT b.k)
    UNION ALL
    (SELECT j.id, j.name, j.grp, j.priority, j.run_at, j.queue
     FROM /* schema */.jobs j
     WHERE b.grp IS NULL AND j.queue = q.queue AND j.state = 'waiting' AND j.grp IS NULL
       AND j.run_at <= $6::bigint
       AND j.name <> ALL (b.skip) AND j.id <> ALL ($5::bigint[])
       AND NOT EXISTS (SELECT 1 FROM /* schema */.blocks x
                       WHERE x.queue = j.queue AND x.name = j.name AND x.grp = ''
                         AND x.until > $6::bigint)
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT b.k)
    UNION ALL
    (SELECT j.id, j.name, j.grp, j.priority, j.run_at, j.queue
     FROM /* schema */.jobs j
     WHERE b.grp IS NULL AND j.queue = q.queue AND j.state = 'scheduled' AND j.grp IS NULL
       AND j.run_at <= $6::bigint
       AND j.name <> ALL (b.skip) AND j.id <> ALL ($5::bigint[])
       AND NOT EXISTS (SELECT 1 FROM /* schema */.blocks x
                       WHERE x.queue = j.queue AND x.name = j.name AND x.grp = ''
                         AND x.until > $6::bigint)
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT b.k)
  ) c
  ORDER BY c.priority DESC, c.run_at, c.id
  LIMIT b.k
) h
ORDER BY b.ord, h.priority DESC, h.run_at, h.id;
