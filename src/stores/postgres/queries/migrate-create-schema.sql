-- migrate-create-schema: creates the store's schema if needed. No params. Runs under
-- migrate-lock, so processes starting together do not race on it.
CREATE SCHEMA IF NOT EXISTS /* schema */;
