-- read-schedules: the schedules stored in one queue's keys, all or only the due ones.
-- KEYS[1]  the key base of a queue (lib.lua)
-- ARGV[1]  'all', or 'due' for schedules whose next run is at or before now
-- ARGV[2]  now in ms, or '' for the server clock (for 'due')
-- ARGV[3]  limit: how many at most (for 'due'; earliest next run first)
-- ARGV[4]  a name to read alone ('' for any)
-- Returns  one flat list of hash fields per schedule.
-- Atomic: one script, so each schedule is read whole.
local names
if ARGV[4] ~= '' then
  names = { ARGV[4] }
elseif ARGV[1] == 'due' then
  names = redis.call('ZRANGEBYSCORE', K.schedules, '-inf', num(clock(ARGV[2])), 'LIMIT', 0,
    tonumber(ARGV[3]))
else
  names = redis.call('ZRANGE', K.schedules, 0, -1)
end
local out = {}
for _, name in ipairs(names) do
  local fields = redis.call('HGETALL', schedule_key(name))
  if #fields > 0 then out[#out + 1] = fields end
end
return out
