-- remove-schedule: deletes a schedule from its queue's keys; jobs it enqueued stay.
-- KEYS[1]  the key base of the schedule's queue (lib.lua)
-- ARGV[1]  the schedule's name
-- Returns  1 when it existed, else 0.
-- Atomic: one script, so the schedule leaves its hash and the due index together.
redis.call('ZREM', K.schedules, ARGV[1])
return redis.call('DEL', schedule_key(ARGV[1]))
