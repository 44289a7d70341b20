-- 004-events: cheaper events. An enqueue now publishes its own `enqueued` events: until
-- now every enqueue was followed by a second round trip, the runtime's publish of those
-- events, so a single enqueue paid for two statements and two commits. The enqueue
-- function sends them with pg_notify in its own transaction, so they are delivered
-- exactly when the jobs are committed, and the runtime only delivers them in-process
-- (StoreCapabilities.publishesEnqueued). And the store's publish passes its payloads as
-- one text instead of a text[] (publish_lines). Additive and idempotent, like 003.

-- announce_enqueued: notifies the channel of one batch of `enqueued` events, one per
-- non-null id, in input order, with at = p_at (null: the store's clock, which inside a
-- transaction is the time its jobs were created), published under p_origin. The payloads
-- are exactly what notify-payload.ts's encodeBatch writes for the same events: the JSON
-- array of their tuples (event-tuples.ts), cut at character boundaries into pieces of at most p_piece_bytes
-- bytes (the caller's pieceBytes(), which leaves room for the header under the 8000-byte
-- limit), each prefixed `=<origin>:<message id>:<index>:<count>:`. p_origin comes already
-- in its header form (URI-encoded, so without colons). Notifications go out at commit,
-- with the caller's durability: the enqueue they describe is committed synchronously.
CREATE OR REPLACE FUNCTION /* schema */.announce_enqueued(
  p_channel text, p_origin text, p_piece_bytes integer, p_ids bigint[], p_names text[],
  p_queues text[], p_at bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET jit = off
AS $$
DECLARE
  v_at bigint := coalesce(p_at, /* schema */.now_ms());
  v_head text := '=' || p_origin || ':' || substr(md5(random()::text), 1, 12) || ':';
  v_body text;
  v_bytes bytea;
  v_pieces text[] := '{}';
  v_start integer := 0;
  v_end integer;
BEGIN
  -- The tuples of event-tuples.ts: name and queue are null when as in the event before,
  -- and so is at after the first (one time for the batch). to_json quotes and escapes
  -- text values as JSON.stringify does.
  SELECT '[' || string_agg('["enqueued","' || e.id || '",'
                           || CASE WHEN e.name = e.name_before THEN 'null'
                                   ELSE to_json(e.name)::text END || ','
                           || CASE WHEN e.queue = e.queue_before THEN 'null'
                                   ELSE to_json(e.queue)::text END || ','
                           || CASE WHEN e.n = 1 THEN v_at::text ELSE 'null' END || ']',
                           ',' ORDER BY e.ord) || ']'
  INTO v_body
  FROM (SELECT u.id, u.name, u.queue, u.ord,
               lag(u.name) OVER w AS name_before, lag(u.queue) OVER w AS queue_before,
               row_number() OVER w AS n
        FROM unnest(p_ids, p_names, p_queues) WITH ORDINALITY AS u(id, name, queue, ord)
        WHERE u.id IS NOT NULL
        WINDOW w AS (ORDER BY u.ord)) AS e;
  IF v_body IS NULL THEN
    RETURN;
  END IF;
  IF octet_length(v_body) <= p_piece_bytes THEN
    PERFORM pg_notify(p_channel, v_head || '0:1:' || v_body);
    RETURN;
  END IF;
  -- Cut the UTF-8 bytes, stepping back over continuation bytes (10xxxxxx) so that no
  -- character is split, as splitUtf8 in notify-payload.ts does.
  v_bytes := convert_to(v_body, 'UTF8');
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

-- enqueue_announced: enqueue_batch() (migration 003), then announce_enqueued() for the
-- jobs it created (never for one skipped because its key was held), in the same
-- transaction: at the statement's own commit in autocommit, or with the enqueue
-- transaction of a batch with keys. Returns what enqueue_batch() returns.
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
  v_ids bigint[];
  v_states text[];
BEGIN
  SELECT array_agg(b.id ORDER BY b.ord), array_agg(b.state ORDER BY b.ord)
  INTO v_ids, v_states
  FROM /* schema */.enqueue_batch(p_names, p_queues, p_data, p_priorities, p_attempts,
                                  p_max_stalls, p_keys, p_groups, p_run_at, p_delays,
                                  v_now) AS b;
  PERFORM /* schema */.announce_enqueued(p_channel, p_origin, p_piece_bytes, v_ids, p_names,
                                         p_queues, v_now);
  RETURN QUERY
  SELECT u.ord::integer, u.id, u.state
  FROM unnest(v_ids, v_states) WITH ORDINALITY AS u(id, state, ord);
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
