-- migrate-ready: whether the schema's migrations table exists yet. $1 schema name (as a
-- value). Returns one row: ready boolean. Lets an up-to-date schema skip the lock and
-- the DDL (which needs CREATE rights) entirely.
SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'migrations'
) AS ready;
