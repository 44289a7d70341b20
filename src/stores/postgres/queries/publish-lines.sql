-- publish-lines: the store's own publish, in autocommit, through publish_lines()
-- (migration 004-events.sql): in order, with an asynchronous commit.
-- $1 channel (a value, never spliced in), $2 payloads (text: each under the 8000-byte
-- limit, see notify-payload.ts, joined by newlines, which no payload holds). Inside a
-- caller's transaction use publish.sql instead.
SELECT /* schema */.publish_lines($1::text, $2::text);
