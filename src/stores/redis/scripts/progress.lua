-- progress: stores leased jobs' progress.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1..] three per update: job number, token, progress (JSON)
-- Returns   one 1 (stored) or 0 (stale token, or the job is no longer active) per update.
-- Atomic: the fence and the write are one step, like settle.
local out = {}
for i = 1, #ARGV, 3 do
  local n = ARGV[i]
  if leased(n, ARGV[i + 1]) then
    redis.call('HSET', job_key(n), 'progress', ARGV[i + 2])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
