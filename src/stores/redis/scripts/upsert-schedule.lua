-- upsert-schedule: inserts a schedule into its queue's keys, or updates the one of that name.
-- KEYS[1]   the key base of the queue of the schedule's task (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock: createdAt of a new schedule, updatedAt
-- ARGV[2..] name, cron, tz, task, queue, data (JSON), options (JSON), misfire, nextRunAt
-- ARGV[11]  createdAt to keep ('' = now): set when the schedule moves here from another queue
-- Returns   the stored next run. An update with the same cron and tz keeps the stored next
--           run, so a redeploy neither skips nor repeats an occurrence.
-- Atomic: one script, so the check of cron and tz and the write are one step.
local now = clock(ARGV[1])
local name, cron, tz, next_run = ARGV[2], ARGV[3], ARGV[4], ARGV[10]
local key = schedule_key(name)
local old = redis.call('HMGET', key, 'cron', 'tz', 'nextRunAt', 'createdAt')
local created = old[4] or num(now)
if ARGV[11] ~= '' then created = ARGV[11] end
if old[1] == cron and old[2] == tz then next_run = old[3] end
redis.call('HSET', key, 'name', name, 'cron', cron, 'tz', tz, 'task', ARGV[5], 'queue', ARGV[6],
  'data', ARGV[7], 'options', ARGV[8], 'misfire', ARGV[9], 'nextRunAt', next_run,
  'createdAt', created, 'updatedAt', num(now))
redis.call('ZADD', K.schedules, next_run, name)
return next_run
