-- enqueue-one-announced: enqueue-announced.sql for a batch of one job (every awaited
-- single enqueue), as one plain statement with one value per field instead of a
-- function call over parallel arrays. Measured on one connection (backend CPU from
-- /proc), enqueue_announced() cost 155–178 µs of server time per single enqueue where
-- this costs 133–143: the function's call, its arrays and its result set were a fifth of
-- a single enqueue's server work. Rows, result and notification are those of the
-- function's one-row path (migration 004), which earlier releases still call.
-- $1 name, $2 queue, $3 data (JSON), $4 priority, $5 attempts, $6 max_stalls, $7 key,
-- $8 group, $9 run_at (null: due $10 delay_ms after now), $11 now (null: the database's
-- clock), $12 channel, $13 origin in its payload-header form, $14 bytes of JSON per
-- payload piece (notify-payload.ts).
-- Returns one row: ord 1, and id and state, or a null id when a live job holds the key
-- (that job gets no event). The notification is sent once, from the one output row.
-- Atomic: one statement; the notification is delivered if and only if the job commits.
WITH clock AS (
  SELECT coalesce($11::bigint, /* schema */.now_ms()) AS now
),
inserted AS (
  INSERT INTO /* schema */.jobs (id, name, queue, state, data, priority, attempts,
                                 max_stalls, key, grp, created_at, run_at)
  SELECT nextval('/* schema */.job_ids'), $1::text, $2::text,
         CASE WHEN due.at > clock.now THEN 'scheduled' ELSE 'waiting' END,
         $3::text, $4::bigint, $5::bigint, $6::bigint, $7::text, $8::text, clock.now, due.at
  FROM clock, LATERAL (SELECT coalesce($9::bigint, clock.now + $10::bigint) AS at) AS due
  ON CONFLICT DO NOTHING
  RETURNING id, state, created_at
),
announced AS (
  SELECT inserted.id, inserted.state,
         '[["enqueued","' || inserted.id || '",' || to_json($1::text)::text || ','
         || to_json($2::text)::text || ',' || inserted.created_at || ']]' AS json
  FROM inserted
)
SELECT 1 AS ord, announced.id, announced.state,
       CASE WHEN announced.id IS NULL THEN NULL
            WHEN octet_length(announced.json) <= $14::integer THEN
              pg_notify($12::text, '=' || $13::text || ':' || substr(md5(random()::text), 1, 12)
                                   || ':0:1:' || announced.json)
            ELSE /* schema */.notify_pieces($12::text, $13::text, $14::integer, announced.json)
       END AS notified
FROM (SELECT 1) AS one LEFT JOIN announced ON true;
