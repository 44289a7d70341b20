-- list: one queue's part of a page of jobs, newest (highest number) first.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock (tells waiting from scheduled)
-- ARGV[2]  the set to walk: all, pending, active, completed, dead or cancelled
-- ARGV[3]  reported state to keep, or '' for any
-- ARGV[4]  task name to keep, or '' for any
-- ARGV[5]  upper bound on job numbers: '+inf', 'N' (inclusive) or '(N' (exclusive)
-- ARGV[6]  limit: how many records at most
-- ARGV[7]  budget: how many entries at most to examine, so a filter that matches little
--          cannot block the server
-- Returns  {records, scannedTo}: records as in get.lua; scannedTo is the number of the
--          last entry examined when the budget ran out first, else -1 (nothing more to find
--          below the last record, or the page is full).
-- Atomic: one script, so every record on the page is read whole.
local now = clock(ARGV[1])
local set, state, name = K[ARGV[2]], ARGV[3], ARGV[4]
local limit, budget = tonumber(ARGV[6]), tonumber(ARGV[7])
local bound = ARGV[5]
local out, scanned = {}, 0
while scanned < budget do
  local chunk = math.min(budget - scanned, math.max(limit - #out, 50))
  local ns = redis.call('ZREVRANGEBYSCORE', set, bound, '-inf', 'LIMIT', 0, chunk)
  if #ns == 0 then return { out, -1 } end
  for _, n in ipairs(ns) do
    scanned = scanned + 1
    local f = redis.call('HMGET', job_key(n), 'state', 'runAt', 'name')
    if f[1] and (state == '' or reported(f[1], f[2], now) == state) and
        (name == '' or f[3] == name) then
      out[#out + 1] = record(n, now)
      if #out == limit then return { out, -1 } end
    end
  end
  bound = '(' .. ns[#ns]
  if #ns < chunk then return { out, -1 } end
end
return { out, tonumber(string.sub(bound, 2)) }
