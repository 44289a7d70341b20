-- publish: sends notifications on the store's channel, in order.
-- $1 channel (text: pg_notify takes the name as a value, so it is never spliced in),
-- $2 payloads text[] (each under the 8000-byte limit; see notify-payload.ts).
-- Delivered to every listener when the surrounding transaction commits: at once in
-- autocommit, or with the caller's commit for a transactional enqueue.
SELECT pg_notify($1, p.payload)
FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, ord)
ORDER BY p.ord;
