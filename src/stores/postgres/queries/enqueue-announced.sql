-- enqueue-announced: enqueue.sql that also publishes the created jobs' `enqueued` events,
-- through enqueue_announced() (migration 004-events.sql).
-- $1..$11 as in enqueue.sql; $12 channel (a value, never spliced in), $13 origin in its
-- payload-header form (notify-payload.ts originField), $14 bytes of JSON per payload
-- piece (notify-payload.ts pieceBytes).
-- Returns what enqueue.sql returns: one row per job in input order (ord, id, state; a
-- null id for a job skipped for its key, which gets no event).
-- Atomic: one statement; the notifications are delivered if and only if the jobs commit.
SELECT ord, id, state
FROM /* schema */.enqueue_announced($1::text[], $2::text[], $3::text[], $4::bigint[],
                                    $5::bigint[], $6::bigint[], $7::text[], $8::text[],
                                    $9::bigint[], $10::bigint[], $11::bigint, $12::text,
                                    $13::text, $14::integer);
