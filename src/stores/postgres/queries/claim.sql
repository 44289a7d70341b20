-- claim: the plain claim, through claim_plain() (migration 003-hot-paths.sql, which says
-- what it does and returns). $1 queues text[], $2 limit, $3 lease_ms, $4 now bigint
-- (null: the database's clock), $5 worker id. A function so its statements are planned
-- once per connection; run in autocommit only (its commit is asynchronous).
SELECT * FROM /* schema */.claim_plain($1::text[], $2::int, $3::bigint, $4::bigint, $5::text);
