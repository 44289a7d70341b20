-- read-events: event batches after the last one a listener saw. @after @limit
-- @own (JSON array of the origins this store published with). Batches of those origins
-- were already handed to this store's subscribers in memory when they were published, so
-- their body stays here: the reader only moves past their id.
SELECT id, origin,
       CASE WHEN origin IN (SELECT value FROM json_each(@own)) THEN NULL ELSE body END AS body
FROM errand_events WHERE id > @after ORDER BY id LIMIT @limit;
