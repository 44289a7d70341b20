-- prune-events: forgets event batches older than @before; listeners poll far more often.
DELETE FROM errand_events WHERE at < @before;
