-- log: appends lines to leased jobs' logs.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2..] three per entry: job number, token, message
-- Returns   one 1 (appended) or 0 (stale token, or the job is no longer active) per entry.
-- Lines are stored as "<at>:<message>" in the job's own list, so an append never rewrites
-- the lines before it.
-- Atomic: the fence and the append are one step, like settle.
local now = num(clock(ARGV[1]))
local out = {}
for i = 2, #ARGV, 3 do
  local n = ARGV[i]
  if leased(n, ARGV[i + 1]) then
    redis.call('RPUSH', logs_key(n), now .. ':' .. ARGV[i + 2])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
