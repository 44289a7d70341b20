-- claim-lock: opens a flow claim: serialises it with every other flow claim of the same
-- queues, then reads the store clock.
-- $1 schema name (as a value: it namespaces the lock keys), $2 queues text[], $3 now
-- bigint (null: the database's clock). Returns one row: now, in milliseconds.
-- Takes pg_advisory_xact_lock on a key hashed from schema and queue, for each queue, in
-- the order of the keys, so claims of overlapping queue sets never deadlock. The locks are
-- held until the claim's transaction ends, so two claims can never both see room for the
-- last slot of a limit. The clock is read after the locks are held (clock_timestamp, not
-- now(), which is the transaction's start), so a claim that waited does not record its
-- starts earlier than the claim it waited for.
-- Also turns synchronous_commit off for this transaction only: the claim's commit does
-- not wait for its WAL to reach disk, which holds the locks for a disk flush less. It is
-- visible to every other claim at once all the same; only an operating-system or server
-- crash can lose it, and then the database is as if it had rolled back: the jobs wait to
-- run again (at least once), and the lost starts no longer count.
WITH locked AS (
  SELECT count(pg_advisory_xact_lock(k.key)) AS n
  FROM (SELECT DISTINCT hashtextextended('errand:claim:' || $1::text || ':' || q.queue, 0) AS key
        FROM unnest($2::text[]) AS q(queue)
        ORDER BY 1) AS k
)
SELECT coalesce($3::bigint, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS now,
       set_config('synchronous_commit', 'off', true) AS commit_mode
FROM locked;
