-- extend: pushes leases' expiry to now + leaseMs.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   leaseMs
-- ARGV[3..] two per lease: job number, token
-- Returns   one 1 (still held, extended) or 0 (stale token, job gone or not active) per lease.
-- Atomic: the token check and the new expiry are one step, so a lease rescued or
-- cancelled a moment before is never revived. The `leases` set is written once for the
-- whole batch (every lease gets the same expiry): one ZADD instead of one per lease.
local now = clock(ARGV[1])
local lease = num(now + tonumber(ARGV[2]))
local out, held = {}, {}
for i = 3, #ARGV, 2 do
  local n = ARGV[i]
  if leased(n, ARGV[i + 1]) then
    redis.call('HSET', job_key(n), 'lease', lease)
    held[#held + 1], held[#held + 2] = lease, n
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
if #held > 0 then call_many('ZADD', K.leases, held) end
return out
