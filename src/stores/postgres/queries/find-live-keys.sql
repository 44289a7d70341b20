-- find-live-keys: the live jobs holding given deduplication keys.
-- $1 queues text[], $2 keys text[] (parallel: one (queue, key) pair per slot), $3 now
-- bigint (null: the database's clock).
-- Returns ord (the pair's 1-based slot), id and state for each pair a live job holds,
-- with a scheduled holder already due reported as waiting (as get.sql does); the unique
-- index jobs_live_key guarantees at most one holder per pair.
-- Runs in enqueue's transaction right after enqueue.sql, as its own statement so it sees
-- holders that committed while the insert waited on them.
SELECT k.ord::int AS ord, j.id,
       CASE WHEN j.state = 'scheduled' AND j.run_at <= coalesce($3::bigint, /* schema */.now_ms())
            THEN 'waiting' ELSE j.state END AS state
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(queue, key, ord)
JOIN /* schema */.jobs j
  ON j.queue = k.queue AND j.key = k.key AND j.state IN ('scheduled', 'waiting', 'active');
