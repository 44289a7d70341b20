-- read-events: event batches after the last one a listener saw. @after @limit.
SELECT id, origin, body FROM errand_events WHERE id > @after ORDER BY id LIMIT @limit;
