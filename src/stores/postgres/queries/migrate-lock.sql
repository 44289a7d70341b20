-- migrate-lock: serialises migrations of one schema across every process and machine.
-- $1 lock name (text, hashed to the advisory lock key). Held until the migrating
-- transaction ends, so a crash mid-migration releases it with the rollback.
SELECT pg_advisory_xact_lock(hashtext($1));
