-- migrate-record: records one applied migration. $1 version, $2 file name.
-- Runs in the same transaction as the migration itself, so both commit or neither.
INSERT INTO /* schema */.migrations (version, name) VALUES ($1, $2);
