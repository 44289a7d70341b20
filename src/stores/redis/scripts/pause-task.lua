-- pause-task: records that tasks were paused or resumed, newest version wins.
-- KEYS[1]   a key base (lib.lua): a queue's, whose claims read its copy of the paused
--           tasks, or the global `<prefix>:{tasks}:`, which holds the authoritative copy
-- ARGV[..]  three per task: name, '1' (paused) or '0' (resumed), version ('' = give the
--           next one: the server's time in microseconds, or one more than the task's last)
-- Returns   the version of each entry, in order.
-- paused-tasks is a hash: task -> '<version>:<1|0>'. Pausing writes the global copy first,
-- which gives the version, then each queue's copy with that version; a queue registered
-- later copies the global entries. Since an entry only ever replaces an older version, the
-- copies agree whatever order these writes arrive in (docs/redis.md, "Flow control").
-- Atomic: one script, so the version check and the write are one step.
local out = {}
for i = 1, #ARGV, 3 do
  local task, state, version = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local current = redis.call('HGET', K.paused_tasks, task)
  local last = current and tonumber(string.match(current, '^(%d+):')) or 0
  if not version then
    local t = redis.call('TIME')
    version = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), last + 1)
  end
  if version > last then redis.call('HSET', K.paused_tasks, task, num(version) .. ':' .. state) end
  out[#out + 1] = num(version)
end
return out
