-- pause: sets a queue's paused flag (true) or clears it (false). $1 queue, $2 paused.
-- Idempotent: one upsert.
INSERT INTO /* schema */.queues (queue, paused) VALUES ($1, $2)
ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused;
