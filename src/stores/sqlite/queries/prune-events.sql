-- prune-events: forgets event batches older than @before among the oldest @limit rows (by
-- id, the order they were appended in), so a prune costs the same however many recent
-- batches the table holds: it used to scan them all, every 500 appends. Run every 500
-- appends with @limit 1000, it removes old rows faster than they come. @before @limit.
DELETE FROM errand_events
WHERE id IN (SELECT id FROM errand_events ORDER BY id LIMIT @limit) AND at < @before;
