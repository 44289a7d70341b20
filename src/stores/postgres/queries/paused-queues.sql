-- paused-queues: names of the paused queues. No params.
SELECT queue FROM /* schema */.queues WHERE paused ORDER BY queue;
