-- migrate-create-table: creates the table recording applied migrations, if needed.
-- No params. Runs under migrate-lock, after migrate-create-schema.
CREATE TABLE IF NOT EXISTS /* schema */.migrations (
  version    integer PRIMARY KEY,
  name       text    NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
