-- claim-lease: the write half of a flow claim: leases the jobs it chose, records their
-- starts, and moves the rotation cursors of the buckets it took from.
-- $1 chosen ids bigint[], $2 now bigint, $3 lease_ms, $4 worker id, $5 names of the tasks
-- whose starts are recorded (those with a task or group rate limit) text[];
-- cursors, parallel: $6 queues text[], $7 group keys text[] ('' for jobs without a group),
-- $8 turn order int[] (the n-th turn that ended in this claim; null when the bucket's turn
-- goes on), $9 served bigint[] (kept when the turn goes on), $10 used int[].
-- Returns the leased rows, in no particular order. A chosen job that another claim or an
-- operator took meanwhile (held locked, or no longer due) is skipped, not waited for.
-- Atomic: one statement, inside the flow claim's transaction. Each turn that ended gets a
-- fresh value of rotation_turns, in the order the turns ended.
WITH due AS (
  SELECT j.id
  FROM /* schema */.jobs j
  WHERE j.id = ANY($1::bigint[]) AND j.state IN ('waiting', 'scheduled')
    AND j.run_at <= $2::bigint
  FOR UPDATE OF j SKIP LOCKED
),
leased AS (
  UPDATE /* schema */.jobs j
  SET state = 'active',
      attempt = j.attempt + 1,
      token = gen_random_uuid()::text,
      worker = $4,
      lease_expires_at = $2::bigint + $3::bigint,
      started_at = $2::bigint
  FROM due
  WHERE j.id = due.id
  RETURNING j.id, j.name, j.queue, j.data, j.priority, j.attempt, j.attempts, j.stalls,
            j.max_stalls, j.key, j.grp, j.token, j.created_at, j.run_at, j.lease_expires_at
),
started AS (
  INSERT INTO /* schema */.starts (name, grp, at)
  SELECT l.name, l.grp, $2::bigint FROM leased l WHERE l.name = ANY($5::text[])
),
turns AS (
  SELECT row_number() OVER (ORDER BY d.v) AS turn, d.v
  FROM (SELECT nextval('/* schema */.rotation_turns') AS v
        FROM generate_series(1, (SELECT coalesce(max(t), 0) FROM unnest($8::int[]) AS t))) d
),
moved AS (
  INSERT INTO /* schema */.group_cursors (queue, grp, served, used)
  SELECT c.queue, c.grp, coalesce(t.v, c.served), c.used
  FROM unnest($6::text[], $7::text[], $8::int[], $9::bigint[], $10::int[])
       AS c(queue, grp, turn, served, used)
  LEFT JOIN turns t ON t.turn = c.turn
  ON CONFLICT (queue, grp) DO UPDATE SET served = excluded.served, used = excluded.used
)
SELECT * FROM leased;
