-- fire-schedule: fires one occurrence of a schedule exactly once: moves its next run on
-- and enqueues its job, only while the next run still is the occurrence being fired.
-- KEYS[1]   the key base of the schedule's queue (lib.lua); the schedule is schedule:<name>
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   the schedule's name
-- ARGV[3]   expectedRunAt: the occurrence being fired, as dueSchedules read it
-- ARGV[4]   nextRunAt: the occurrence after it
-- ARGV[5]   the queue's name, stored on the job
-- ARGV[6..] the job, as enqueue_job (enqueue-job.lua) reads it; absent to skip this occurrence
-- Returns   {0} when the schedule is gone or another process fired this occurrence first
--           (nothing was written), {1} when it fired without a job, {1, n, created, state}
--           when it fired and enqueued (or, with a key, found) a job.
-- Atomic: the compare-and-set of the next run and the enqueue are one script on one slot
-- (the schedule's keys carry its queue's hash tag), which is the exactly-once guarantee.
local now = clock(ARGV[1])
local key = schedule_key(ARGV[2])
local stored = redis.call('HGET', key, 'nextRunAt')
if not stored or tonumber(stored) ~= tonumber(ARGV[3]) then return { 0 } end
redis.call('HSET', key, 'nextRunAt', ARGV[4])
redis.call('ZADD', K.schedules, ARGV[4], ARGV[2])
if #ARGV < 6 then return { 1 } end
local next_number = number_source()
local job = enqueue_job(now, ARGV[5], next_number, 6)
write_new_jobs()
save_numbers()
return { 1, job[1], job[2], job[3] }
