-- enqueue: inserts a batch of new jobs into one queue and, when asked, publishes the
-- `enqueued` events of the jobs it created.
-- KEYS[1]   the queue's key base (lib.lua)
-- KEYS[2]   the event stream (keys.ts), or absent: publish nothing (on Redis Cluster the
--           stream lives on another slot, and the caller publishes after the script)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   the queue's name, stored on each job
-- ARGV[3]   the origin to publish the events under (with KEYS[2])
-- ARGV[4..] eleven per job, as enqueue_job (enqueue-job.lua) reads them: name, data (JSON),
--           priority, runAt ('' = now + delayMs), delayMs, attempts, maxStalls, key,
--           group, debounceMs, throttleMs ('' = none for the last four)
-- Returns   {now, results}: the script's clock (the events' `at`), then one {n, created
--           (1|0), state} per job, in input order. A job whose key a live job of the queue
--           holds is not inserted: the holder's number comes back with 0 (debounced first
--           when it has not started); so is, with throttle, the key's newest job of the
--           window. Only created jobs get an event.
-- Atomic: one script, so the batch and its events are written whole, and no other client
-- runs between a key's check and the insert that takes it (a later job of the same batch
-- finds it too).
local now = clock(ARGV[1])
local queue = ARGV[2]
local next_number = number_source()
local add_event, publish_events = enqueued_events(queue, now)
local stream = KEYS[2]
local out = {}
for i = 4, #ARGV, JOB_FIELDS do
  local result = enqueue_job(now, queue, next_number, i)
  if stream and result[2] == 1 then add_event(num(result[1]), ARGV[i]) end
  out[#out + 1] = result
end
write_new_jobs()
save_numbers()
if stream then publish_events(stream, ARGV[3]) end
return { now, out }
