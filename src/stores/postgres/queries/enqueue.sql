-- enqueue: inserts a batch of new jobs, skipping each one whose key a live job holds,
-- through enqueue_batch() (migration 003-hot-paths.sql).
-- $1 names text[], $2 queues text[], $3 data text[] (JSON), $4 priorities bigint[],
-- $5 attempts bigint[], $6 max_stalls bigint[], $7 keys text[], $8 groups text[],
-- $9 run_at bigint[] (null: due delay_ms after now), $10 delay_ms bigint[],
-- $11 now bigint (null: the database's clock). The arrays are parallel, one slot per job.
-- Returns one row per job in input order: ord, id and state, or a null id when the job
-- was skipped for its key (the caller reads the holder with find-live-keys.sql).
-- Atomic: one statement. ON CONFLICT DO NOTHING against jobs_live_key skips a key already
-- held, including by an earlier job of this batch; a holder that is still uncommitted
-- elsewhere makes the insert wait for its outcome instead of guessing.
SELECT ord, id, state
FROM /* schema */.enqueue_batch($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
                                $6::bigint[], $7::text[], $8::text[], $9::bigint[],
                                $10::bigint[], $11::bigint);
