-- enqueue: inserts a batch of new jobs into one queue and, when asked, publishes the
-- `enqueued` events of the jobs it created.
-- KEYS[1]   the queue's key base (lib.lua)
-- KEYS[2]   the event stream (keys.ts), or absent: publish nothing (on Redis Cluster the
--           stream lives on another slot, and the caller publishes after the script)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   the queue's name, stored on each job
-- ARGV[3]   the origin to publish the events under (with KEYS[2])
-- ARGV[4..] runs of jobs that differ only in their data, each: the count c, the eleven
--           fields enqueue_job (enqueue-job.lua) reads (name, data, priority, runAt
--           ('' = now + delayMs), delayMs, attempts, maxStalls, key, group, debounceMs,
--           throttleMs; '' = none for the last four) with data left '', then c data
--           (JSON). A bulk enqueue of one task sends its options once, not once per job.
-- Returns   {now, results}: the script's clock (the events' `at`), then per job, in input
--           order, three flat values: n, created (1|0), state. A job whose key a live job
--           of the queue holds is not inserted: the holder's number comes back with 0
--           (debounced first when it has not started); so is, with throttle, the key's
--           newest job of the window. Only created jobs get an event.
-- Atomic: one script, so the batch and its events are written whole, and no other client
-- runs between a key's check and the insert that takes it (a later job of the same batch
-- finds it too).
local now = clock(ARGV[1])
local queue = ARGV[2]
local next_number = number_source()
local stream = KEYS[2]
local add_event, publish_events
if stream then add_event, publish_events = enqueued_events(queue, now) end
local out = {}
local i, last = 4, #ARGV
while i <= last do
  local fields, first = i + 1, i + 1 + JOB_FIELDS
  for d = first, first + tonumber(ARGV[i]) - 1 do
    local result = enqueue_job(now, queue, next_number, fields, ARGV[d])
    if stream and result[2] == 1 then add_event(num(result[1]), ARGV[fields]) end
    out[#out + 1], out[#out + 2], out[#out + 3] = result[1], result[2], result[3]
  end
  i = first + tonumber(ARGV[i])
end
write_new_jobs()
save_numbers()
if stream then publish_events(stream, ARGV[3]) end
return { now, out }
