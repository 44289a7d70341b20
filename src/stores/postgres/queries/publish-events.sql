-- publish-events: the store's own publish, in autocommit, through publish_events()
-- (migration 003-hot-paths.sql): in order, with an asynchronous commit.
-- $1 channel (a value, never spliced in), $2 payloads text[] (each under the 8000-byte
-- limit; see notify-payload.ts). Inside a caller's transaction use publish.sql instead.
SELECT /* schema */.publish_events($1::text, $2::text[]);
