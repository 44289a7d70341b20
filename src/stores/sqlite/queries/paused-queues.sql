-- paused-queues: names of the paused queues. No params.
SELECT queue FROM errand_queues WHERE paused = 1 ORDER BY queue;
