-- throttle-lock: serialises throttled enqueues of the same keys across every process.
-- $1 schema name (as a value: it namespaces the lock keys), $2 queues text[], $3 keys
-- text[] (parallel). Takes pg_advisory_xact_lock on a key hashed from schema, queue and
-- key, for each pair, in the order of the lock keys (so two batches never deadlock), held
-- until enqueue's transaction ends: the next throttled enqueue of a key then sees the job
-- this one wrote, even if that job has already finished. Returns one row.
SELECT count(pg_advisory_xact_lock(k.lock)) AS n
FROM (SELECT DISTINCT hashtextextended('errand:throttle:' || $1::text || ':' || p.queue
                                       || ':' || p.key, 0) AS lock
      FROM unnest($2::text[], $3::text[]) AS p(queue, key)
      ORDER BY 1) AS k;
