-- data-version: a number that changes whenever another connection commits to the file
-- (this connection's own commits leave it alone). No params. Cheaper than any query
-- against a table, so the event reader checks it before reading errand_events.
PRAGMA data_version;
