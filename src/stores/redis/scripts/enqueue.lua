-- enqueue: inserts a batch of new jobs into one queue.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   the queue's name, stored on each job
-- ARGV[3..] eleven per job, as enqueue_job (enqueue-job.lua) reads them: name, data (JSON),
--           priority, runAt ('' = now + delayMs), delayMs, attempts, maxStalls, key,
--           group, debounceMs, throttleMs ('' = none for the last four)
-- Returns   one {n, created (1|0), state} per job, in input order. A job whose key a live
--           job of the queue holds is not inserted: the holder's number comes back with 0
--           (debounced first when it has not started); so is, with throttle, the key's
--           newest job of the window.
-- Atomic: one script, so the batch is written whole, and no other client runs between a
-- key's check and the insert that takes it (a later job of the same batch finds it too).
local now = clock(ARGV[1])
local queue = ARGV[2]
local next_number = number_source()
local out = {}
for i = 3, #ARGV, JOB_FIELDS do
  out[#out + 1] = enqueue_job(now, queue, next_number, i)
end
write_new_jobs()
save_numbers()
return out
