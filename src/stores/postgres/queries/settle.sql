-- settle: applies a batch of outcomes to leased jobs, through settle_batch() (migration
-- 003-hot-paths.sql). $1 ids bigint[], $2 tokens text[], $3 kinds text[] ('complete',
-- 'remove', 'retry', 'dead', 'release', 'postpone'), $4 payloads text[] (the result for
-- complete, the error JSON for retry and dead, else null), $5 delay_ms bigint[] (retry
-- and postpone), $6 now bigint (null: the database's clock); the arrays are parallel.
-- Returns ord (1-based input slot) of each outcome that applied; an outcome applies only
-- while its job is active under its token, and a job named twice under one token takes
-- the first outcome only. Atomic: one statement for the whole batch (group commit).
SELECT ord FROM /* schema */.settle_batch($1::bigint[], $2::text[], $3::text[], $4::text[],
                                          $5::bigint[], $6::bigint) AS s(ord);
