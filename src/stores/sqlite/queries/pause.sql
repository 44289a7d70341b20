-- pause: sets a queue's paused flag (1) or clears it (0). @queue @paused. Idempotent.
INSERT INTO errand_queues (queue, paused) VALUES (@queue, @paused)
ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused;
