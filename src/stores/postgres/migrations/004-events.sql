-- 004-events: cheaper events. An enqueue now publishes its own `enqueued` events: until
-- now every enqueue was followed by a second round trip, the runtime's publish of those
-- events, so a single enqueue paid for two statements and two commits. The enqueue
-- function sends them with pg_notify in its own transaction, so they are delivered
-- exactly when the jobs are committed, and the runtime only delivers them in-process
-- (StoreCapabilities.publishesEnqueued). And the store's publish passes its payloads as
-- one text instead of a text[] (publish_lines). Additive and idempotent, like 003.

-- notify_pieces: sends one batch's JSON body (p_body) on the channel as the payloads
-- notify-payload.ts's encodeBatch writes: cut at character boundaries into pieces of at
-- most p_piece_bytes bytes (the caller's pieceBytes(), which leaves room for the header
-- under the 8000-byte limit), each prefixed `=<origin>:<message id>:<index>:<count>:`.
-- p_origin comes already in its header form (URI-encoded, so without colons). For
-- batches too large for one notification; enqueue_announced() sends the usual single
-- piece itself, without the cost of a function call.
CREATE OR REPLACE FUNCTION /* schema */.notify_pieces(
  p_channel text, p_origin text, p_piece_bytes integer, p_body text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET jit = off
AS $$
DECLARE
  v_head text := '=' || p_origin || ':' || substr(md5(random()::text), 1, 12) || ':';
  v_bytes bytea := convert_to(p_body, 'UTF8');
  v_pieces text[] := '{}';
  v_start integer := 0;
  v_end integer;
BEGIN
  -- Step back over continuation bytes (10xxxxxx) so that no character is split, as
  -- splitUtf8 in notify-payload.ts does.
  WHILE v_start < length(v_bytes) LOOP
    v_end := least(v_start + p_piece_bytes, length(v_bytes));
    WHILE v_end < length(v_bytes) AND v_end > v_start
          AND get_byte(v_bytes, v_end) & 192 = 128 LOOP
      v_end := v_end - 1;
    END LOOP;
    v_pieces := v_pieces
      || convert_from(substring(v_bytes FROM v_start + 1 FOR v_end - v_start), 'UTF8');
    v_start := v_end;
  END LOOP;
  FOR i IN 1 .. cardinality(v_pieces) LOOP
    PERFORM pg_notify(p_channel,
                      v_head || (i - 1) || ':' || cardinality(v_pieces) || ':' || v_pieces[i]);
  END LOOP;
END
$$;

-- enqueue_announced: what enqueue_batch() (migration 003) does, and in the same
-- statement the `enqueued` events of the jobs it created (never of one skipped because
-- its key was held), published under p_origin (in its header form) on p_channel, split
-- as p_piece_bytes says: at the statement's own commit in autocommit, or with the
-- enqueue transaction of a batch with keys. The events are the tuples of
-- event-tuples.ts, in input order, with at = the jobs' creation time: name and queue
-- null when as in the event before, and at only in the first. to_json quotes and
-- escapes text as JSON.stringify does. Returns what enqueue_batch() returns. One
-- statement rather than a call of enqueue_batch() and then a function that notifies:
-- a single enqueue spent more on those calls than on its insert.
CREATE OR REPLACE FUNCTION /* schema */.enqueue_announced(
  p_names text[], p_queues text[], p_data text[], p_priorities bigint[], p_attempts bigint[],
  p_max_stalls bigint[], p_keys text[], p_groups text[], p_run_at bigint[],
  p_delays bigint[], p_now bigint, p_channel text, p_origin text, p_piece_bytes integer)
RETURNS TABLE (ord integer, id bigint, state text)
LANGUAGE plpgsql VOLATILE
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
  v_now bigint := coalesce(p_now, /* schema */.now_ms());
  v_due bigint;
  v_json text;
BEGIN
  -- One job (every awaited single enqueue) takes a plain INSERT: the batch statement's
  -- unnest, materialized CTEs, join and aggregate cost a single enqueue more server time
  -- than its insert. Same rows, same result, same payload as the batch path below.
  IF cardinality(p_names) = 1 THEN
    v_due := coalesce(p_run_at[1], v_now + p_delays[1]);
    ord := 1;
    INSERT INTO /* schema */.jobs (id, name, queue, state, data, priority, attempts,
                                   max_stalls, key, grp, created_at, run_at)
    VALUES (nextval('/* schema */.job_ids'), p_names[1], p_queues[1],
            CASE WHEN v_due > v_now THEN 'scheduled' ELSE 'waiting' END, p_data[1],
            p_priorities[1], p_attempts[1], p_max_stalls[1], p_keys[1], p_groups[1], v_now,
            v_due)
    ON CONFLICT DO NOTHING
    RETURNING jobs.id, jobs.state INTO id, state;
    IF id IS NOT NULL THEN
      v_json := '[["enqueued","' || id || '",' || to_json(p_names[1])::text || ','
                || to_json(p_queues[1])::text || ',' || v_now || ']]';
      IF octet_length(v_json) <= p_piece_bytes THEN
        PERFORM pg_notify(p_channel, '=' || p_origin || ':' || substr(md5(random()::text), 1, 12)
                                     || ':0:1:' || v_json);
      ELSE
        PERFORM /* schema */.notify_pieces(p_channel, p_origin, p_piece_bytes, v_json);
      END IF;
    END IF;
    RETURN NEXT;
    RETURN;
  END IF;

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
  ),
  result AS MATERIALIZED (
    SELECT input.ord::integer AS ord, inserted.id, inserted.state, input.name, input.queue
    FROM input LEFT JOIN inserted ON inserted.id = input.id
  ),
  body AS MATERIALIZED (
    SELECT '[' || string_agg('["enqueued","' || e.id || '",'
                             || CASE WHEN e.name = e.name_before THEN 'null'
                                     ELSE to_json(e.name)::text END || ','
                             || CASE WHEN e.queue = e.queue_before THEN 'null'
                                     ELSE to_json(e.queue)::text END || ','
                             || CASE WHEN e.n = 1 THEN v_now::text ELSE 'null' END || ']',
                             ',' ORDER BY e.ord) || ']' AS json
    FROM (SELECT r.id, r.name, r.queue, r.ord,
                 lag(r.name) OVER w AS name_before, lag(r.queue) OVER w AS queue_before,
                 row_number() OVER w AS n
          FROM result r
          WHERE r.id IS NOT NULL
          WINDOW w AS (ORDER BY r.ord)) AS e
  ),
  -- One row, read once below, so its notifications are sent exactly once.
  sent AS MATERIALIZED (
    SELECT CASE WHEN b.json IS NULL THEN false
                WHEN octet_length(b.json) <= p_piece_bytes THEN
                  pg_notify(p_channel, '=' || p_origin || ':' || substr(md5(random()::text), 1, 12)
                                       || ':0:1:' || b.json) IS NULL
                ELSE /* schema */.notify_pieces(p_channel, p_origin, p_piece_bytes, b.json) IS NULL
           END AS done
    FROM body b
  )
  SELECT r.ord, r.id, r.state
  FROM result r CROSS JOIN sent
  ORDER BY r.ord;
END
$$;

-- publish_lines: publish_events() with the payloads in one text, separated by newlines.
-- A text[] parameter costs the client an escaping pass over every character of every
-- payload (they are JSON, full of quotes) and the server a parse of the array literal;
-- a payload never holds a raw newline (JSON escapes it, and the header is an id, numbers
-- and a URI-encoded origin), so one split is all it takes. Asynchronous commit, as for
-- publish_events().
CREATE OR REPLACE FUNCTION /* schema */.publish_lines(p_channel text, p_payloads text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  v_payload text;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  FOREACH v_payload IN ARRAY string_to_array(p_payloads, E'\n') LOOP
    PERFORM pg_notify(p_channel, v_payload);
  END LOOP;
END
$$;
