-- 003-hot-paths: the statements every job passes through (plain claim, settle, enqueue,
-- extend, publish) as PL/pgSQL functions. A worker at concurrency 1 sends one claim and
-- one settle per job, and as plain statements PostgreSQL parsed and planned each one
-- again every time: planning the claim cost more than running it. A function's
-- statements are planned once per connection and the plan is kept (PL/pgSQL's plan
-- cache), so a call costs only its execution. Additive and idempotent: nothing is
-- dropped (a process still running the previous release keeps using its query files),
-- and CREATE OR REPLACE makes running the file twice harmless.
--
-- Every function is SET jit = off: cost estimates grow with the jobs table, and past
-- jit_above_cost PostgreSQL would compile expressions on every call, milliseconds of
-- work for statements that run in a fraction of one. The claim and settle
-- statements also use plan_cache_mode = force_generic_plan: their plans do not depend
-- on the values (index scans on partial indexes, rows by primary key), so the five
-- custom plans PostgreSQL would otherwise build first per connection are pure overhead.
-- #variable_conflict use_column: the OUT columns share names with the table's columns,
-- and inside the statements a name always means the column.

-- claim_plain: the plain claim (what claim.sql did) with next-due.sql folded in.
-- Leases up to p_limit due jobs of the given queues to one worker, when no flow control
-- is in play there. Returns one row per claimed job with divert = false, then, when
-- fewer than p_limit were claimed, one row with a null id whose next_in_ms says how long
-- until a job is due (0 or less: due now, other claims held them locked; null: nothing
-- due or scheduled). A single row with divert = true means a task is paused, a task of
-- these queues is blocked, or a grouped job is pending in them: nothing was leased and
-- the flow claim (claim-flow.ts) must run instead.
-- Candidates: per unpaused queue, the head of jobs_waiting in claim order and the due
-- head of jobs_scheduled, with room to spare for rows other claims hold locked; then
-- the best of those are locked FOR UPDATE SKIP LOCKED and re-checked, so concurrent
-- claims take disjoint jobs without waiting, and each gets its own random token.
-- The commit of a claim is asynchronous (synchronous_commit off for this transaction
-- only): a claim lost in a server crash only puts the job back to waiting, where it is
-- claimed again, which at-least-once delivery allows anyway (the worker that held the
-- lost lease is fenced: its token no longer matches). Any later synchronous commit, such
-- as the settle of the job, flushes the WAL up to itself and so makes the claim durable
-- first. Callers must run it in autocommit (as the store does), never inside a
-- transaction that writes something else.
CREATE OR REPLACE FUNCTION /* schema */.claim_plain(
  p_queues text[], p_limit integer, p_lease_ms bigint, p_now bigint, p_worker text)
RETURNS TABLE (
  divert boolean, next_in_ms bigint, id bigint, name text, queue text, data text,
  priority bigint, attempt integer, attempts bigint, stalls integer, max_stalls bigint,
  key text, grp text, token text, created_at bigint, run_at bigint, lease_expires_at bigint)
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
  v_open text[];
  v_claimed integer;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT coalesce(array_agg(q.queue), '{}') INTO v_open
  FROM unnest(p_queues) AS q(queue)
  WHERE NOT EXISTS (SELECT 1 FROM /* schema */.queues p WHERE p.queue = q.queue AND p.paused);
  IF EXISTS (SELECT 1 FROM /* schema */.task_pauses)
     OR EXISTS (SELECT 1 FROM /* schema */.blocks b
                WHERE b.queue = ANY(p_queues) AND b.until > v_now)
     OR EXISTS (SELECT 1 FROM unnest(v_open) AS q(queue)
                WHERE EXISTS (SELECT 1 FROM /* schema */.jobs g
                              WHERE g.queue = q.queue AND g.grp IS NOT NULL
                                AND g.state IN ('waiting', 'scheduled'))) THEN
    divert := true;
    RETURN NEXT;
    RETURN;
  END IF;

  RETURN QUERY
  WITH candidates AS (
    SELECT c.id
    FROM unnest(v_open) AS q(queue)
    CROSS JOIN LATERAL (
      (SELECT w.id
       FROM /* schema */.jobs w
       WHERE w.queue = q.queue AND w.state = 'waiting' AND w.grp IS NULL
         AND w.run_at <= v_now
       ORDER BY w.priority DESC, w.run_at, w.id
       LIMIT 2 * p_limit + 16)
      UNION ALL
      (SELECT s.id
       FROM /* schema */.jobs s
       WHERE s.queue = q.queue AND s.state = 'scheduled' AND s.grp IS NULL
         AND s.run_at <= v_now
       ORDER BY s.priority DESC, s.run_at, s.id
       LIMIT 2 * p_limit + 16)
    ) c
  ),
  due AS (
    SELECT j.id
    FROM /* schema */.jobs j
    WHERE j.id IN (SELECT id FROM candidates)
      AND j.state IN ('waiting', 'scheduled')
      AND j.run_at <= v_now
    ORDER BY j.priority DESC, j.run_at, j.id
    LIMIT p_limit
    FOR UPDATE OF j SKIP LOCKED
  )
  UPDATE /* schema */.jobs j
  SET state = 'active',
      attempt = j.attempt + 1,
      token = gen_random_uuid()::text,
      worker = p_worker,
      lease_expires_at = v_now + p_lease_ms,
      started_at = v_now
  FROM due
  WHERE j.id = due.id
  RETURNING false, NULL::bigint, j.id, j.name, j.queue, j.data, j.priority, j.attempt,
            j.attempts, j.stalls, j.max_stalls, j.key, j.grp, j.token, j.created_at,
            j.run_at, j.lease_expires_at;
  GET DIAGNOSTICS v_claimed = ROW_COUNT;
  IF v_claimed >= p_limit THEN
    RETURN;
  END IF;

  -- Came up short: how long until a job is due. Only the heads of jobs_waiting and
  -- jobs_scheduled are read; paused queues are already left out of v_open.
  divert := false;
  IF EXISTS (SELECT 1 FROM /* schema */.jobs w
             WHERE w.state = 'waiting' AND w.grp IS NULL AND w.queue = ANY(v_open)
               AND w.run_at <= v_now) THEN
    next_in_ms := 0;
  ELSE
    SELECT min(s.run_at) - v_now INTO next_in_ms
    FROM /* schema */.jobs s
    WHERE s.state = 'scheduled' AND s.queue = ANY(v_open);
  END IF;
  RETURN NEXT;
END
$$;

-- settle_batch: what settle.sql does, one statement for a batch of outcomes; returns the
-- 1-based slot of each outcome that applied. An outcome applies only while its job is
-- active under its token (fencing). A batch naming one job twice under one token applies
-- the first and fences the rest, as though applied one after another: the first ends
-- the lease, so the later ones find the job no longer running. (Without DISTINCT ON,
-- PostgreSQL would apply an arbitrary one of them, and a 'remove' and an update of one
-- row in the same statement may both claim success.) Synchronous commit, as configured:
-- an acknowledged settle is durable.
CREATE OR REPLACE FUNCTION /* schema */.settle_batch(
  p_ids bigint[], p_tokens text[], p_kinds text[], p_payloads text[], p_delays bigint[],
  p_now bigint)
RETURNS SETOF integer
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
BEGIN
  RETURN QUERY
  WITH o AS MATERIALIZED (
    SELECT DISTINCT ON (i.id, i.token) i.id, i.token, i.kind, i.payload, i.delay_ms, i.ord
    FROM unnest(p_ids, p_tokens, p_kinds, p_payloads, p_delays)
         WITH ORDINALITY AS i(id, token, kind, payload, delay_ms, ord)
    ORDER BY i.id, i.token, i.ord
  ),
  removed AS (
    DELETE FROM /* schema */.jobs j
    USING o
    WHERE o.kind = 'remove' AND j.id = o.id AND j.token = o.token AND j.state = 'active'
    RETURNING o.ord
  ),
  updated AS (
    UPDATE /* schema */.jobs j
    SET state = CASE o.kind
                  WHEN 'complete' THEN 'completed'
                  WHEN 'dead' THEN 'dead'
                  WHEN 'release' THEN 'waiting'
                  ELSE CASE WHEN o.delay_ms > 0 THEN 'scheduled' ELSE 'waiting' END
                END,
        result = CASE WHEN o.kind = 'complete' THEN o.payload ELSE j.result END,
        error = CASE WHEN o.kind IN ('retry', 'dead') THEN o.payload ELSE j.error END,
        run_at = CASE WHEN o.kind IN ('retry', 'postpone') THEN v_now + o.delay_ms
                      ELSE j.run_at END,
        attempt = CASE WHEN o.kind IN ('release', 'postpone')
                       THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
        finished_at = CASE WHEN o.kind IN ('complete', 'dead') THEN v_now
                           ELSE j.finished_at END,
        token = NULL,
        lease_expires_at = NULL
    FROM o
    WHERE o.kind <> 'remove' AND j.id = o.id AND j.token = o.token AND j.state = 'active'
    RETURNING o.ord
  )
  SELECT removed.ord::integer FROM removed
  UNION ALL
  SELECT updated.ord::integer FROM updated;
END
$$;

-- enqueue_batch: what enqueue.sql does: inserts a batch of new jobs, skipping each one
-- whose key a live job holds. Returns one row per job in input order: ord, id and state,
-- or a null id when the job was skipped for its key. Ids are drawn in input order before
-- the insert, so id order is enqueue order. Synchronous commit, as configured: an
-- acknowledged enqueue is durable. Also runs inside callers' transactions (tx), where it
-- changes no setting of theirs.
CREATE OR REPLACE FUNCTION /* schema */.enqueue_batch(
  p_names text[], p_queues text[], p_data text[], p_priorities bigint[], p_attempts bigint[],
  p_max_stalls bigint[], p_keys text[], p_groups text[], p_run_at bigint[],
  p_delays bigint[], p_now bigint)
RETURNS TABLE (ord integer, id bigint, state text)
LANGUAGE plpgsql VOLATILE
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
BEGIN
  RETURN QUERY
  WITH input AS MATERIALIZED (
    SELECT i.*, nextval('/* schema */.job_ids') AS id
    FROM unnest(p_names, p_queues, p_data, p_priorities, p_attempts, p_max_stalls, p_keys,
                p_groups, p_run_at, p_delays)
         WITH ORDINALITY AS i(name, queue, data, priority, attempts, max_stalls, key, grp,
                              run_at, delay_ms, ord)
  ),
  inserted AS (
    INSERT INTO /* schema */.jobs (id, name, queue, state, data, priority, attempts,
                                   max_stalls, key, grp, created_at, run_at)
    SELECT input.id, input.name, input.queue,
           CASE WHEN coalesce(input.run_at, v_now + input.delay_ms) > v_now
                THEN 'scheduled' ELSE 'waiting' END,
           input.data, input.priority, input.attempts, input.max_stalls, input.key,
           input.grp, v_now, coalesce(input.run_at, v_now + input.delay_ms)
    FROM input
    ORDER BY input.ord
    ON CONFLICT DO NOTHING
    RETURNING jobs.id, jobs.state
  )
  SELECT input.ord::integer, inserted.id, inserted.state
  FROM input LEFT JOIN inserted ON inserted.id = input.id
  ORDER BY input.ord;
END
$$;

-- extend_leases: what extend.sql does: pushes leases' expiry to now + p_lease_ms and
-- returns, per lease still held, the 1-based slots (int[]) that named it. A stale token
-- or a job no longer active matches nothing (fenced). Synchronous commit, as configured.
CREATE OR REPLACE FUNCTION /* schema */.extend_leases(
  p_ids bigint[], p_tokens text[], p_lease_ms bigint, p_now bigint)
RETURNS SETOF integer[]
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
BEGIN
  RETURN QUERY
  WITH l AS (
    SELECT i.id, i.token, array_agg(i.ord::integer) AS ords
    FROM unnest(p_ids, p_tokens) WITH ORDINALITY AS i(id, token, ord)
    GROUP BY i.id, i.token
  )
  UPDATE /* schema */.jobs j
  SET lease_expires_at = v_now + p_lease_ms
  FROM l
  WHERE j.id = l.id AND j.token = l.token AND j.state = 'active'
  RETURNING l.ords;
END
$$;

-- publish_events: sends notifications on a channel, in order, with an asynchronous
-- commit: events are hints (listeners that miss one read the job again, and workers poll
-- anyway), so nothing waits for them to reach the disk. For the store's own publish in
-- autocommit only; an enqueue inside a caller's transaction sends its events with
-- publish.sql, leaving the caller's commit as the caller configured it.
CREATE OR REPLACE FUNCTION /* schema */.publish_events(p_channel text, p_payloads text[])
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  v_payload text;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  FOREACH v_payload IN ARRAY p_payloads LOOP
    PERFORM pg_notify(p_channel, v_payload);
  END LOOP;
END
$$;
