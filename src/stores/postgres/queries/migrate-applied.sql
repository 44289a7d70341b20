-- migrate-applied: the migration versions already applied to the schema. No params.
SELECT version FROM /* schema */.migrations ORDER BY version;
