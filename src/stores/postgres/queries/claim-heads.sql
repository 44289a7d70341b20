-- claim-heads: the next jobs of some group buckets, in claim order, for a flow claim to
-- choose from. $1 open queues text[], $2 the buckets' group keys text[] (null: jobs without
-- a group), $3 how many jobs to read per bucket (one number for all), $4 tasks to skip in
-- every queue text[] (paused, or at a task-wide limit), $5 and $6 (queue, task) pairs to
-- skip, parallel text[] (blocked tasks), $7, $8 and $9 (queue, task, group) triples to
-- skip, parallel text[] (blocked groups, and groups at a task's group limit), $10 ids this
-- claim already chose bigint[], $11 now bigint.
-- Returns bucket (1-based slot of $2), id, name, grp, priority, run_at and queue of up to
-- $3 due jobs per bucket, merged across the queues in claim order (priority, due time,
-- enqueue order). A bucket that returns fewer rows than asked has no more.
-- Reads the head of each queue's bucket only: grouped jobs from jobs_group_due, jobs
-- without a group from jobs_waiting plus the due part of jobs_scheduled, each in index
-- order, stopping after $3 rows. The skip lists are compared as whole rows, for which the
-- planner has no statistics to misjudge: a queue of one task would otherwise look as if
-- every job were skipped, and the planner would sort a bucket's whole backlog instead of
-- reading its head. Runs inside the flow claim's transaction, under its locks.
WITH b AS (
  SELECT i.grp, i.ord FROM unnest($2::text[]) WITH ORDINALITY AS i(grp, ord)
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
       AND j.state IN ('waiting', 'scheduled') AND j.run_at <= $11::bigint
       AND j.name <> ALL ($4::text[]) AND j.id <> ALL ($10::bigint[])
       AND ROW(j.queue, j.name) <> ALL (ARRAY(
             SELECT ROW(p.queue, p.name) FROM unnest($5::text[], $6::text[]) AS p(queue, name)))
       AND ROW(j.queue, j.name, j.grp) <> ALL (ARRAY(
             SELECT ROW(t.queue, t.name, t.grp)
             FROM unnest($7::text[], $8::text[], $9::text[]) AS t(queue, name, grp)))
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT $3::int)
    UNION ALL
    (SELECT j.id, j.name, j.grp, j.priority, j.run_at, j.queue
     FROM /* schema */.jobs j
     WHERE b.grp IS NULL AND j.queue = q.queue AND j.state = 'waiting' AND j.grp IS NULL
       AND j.run_at <= $11::bigint
       AND j.name <> ALL ($4::text[]) AND j.id <> ALL ($10::bigint[])
       AND ROW(j.queue, j.name) <> ALL (ARRAY(
             SELECT ROW(p.queue, p.name) FROM unnest($5::text[], $6::text[]) AS p(queue, name)))
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT $3::int)
    UNION ALL
    (SELECT j.id, j.name, j.grp, j.priority, j.run_at, j.queue
     FROM /* schema */.jobs j
     WHERE b.grp IS NULL AND j.queue = q.queue AND j.state = 'scheduled' AND j.grp IS NULL
       AND j.run_at <= $11::bigint
       AND j.name <> ALL ($4::text[]) AND j.id <> ALL ($10::bigint[])
       AND ROW(j.queue, j.name) <> ALL (ARRAY(
             SELECT ROW(p.queue, p.name) FROM unnest($5::text[], $6::text[]) AS p(queue, name)))
     ORDER BY j.priority DESC, j.run_at, j.id
     LIMIT $3::int)
  ) c
  ORDER BY c.priority DESC, c.run_at, c.id
  LIMIT $3::int
) h
ORDER BY b.ord, h.priority DESC, h.run_at, h.id;
