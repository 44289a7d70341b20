-- list: one queue's part of a page of jobs, newest (highest number) first.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock (tells waiting from scheduled)
-- ARGV[2]  the set to walk: all, pending, active (read from `leases`), completed, dead or
--          cancelled
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

-- Whether job number n (a string) is within a bound as ARGV[5] writes it.
local function within(n, upper)
  if upper == '+inf' then return true end
  if string.sub(upper, 1, 1) == '(' then return tonumber(n) < tonumber(string.sub(upper, 2)) end
  return tonumber(n) <= tonumber(upper)
end

-- Active jobs have no set by number: they are the members of `leases` (scored by lease
-- expiry), only as many as workers hold, sorted here once, newest first. Later chunks
-- continue where the last one ended, as the bound below does.
local active, active_at = nil, 1
local function active_entries(upper, count)
  if not active then
    active = redis.call('ZRANGE', K.leases, 0, -1)
    table.sort(active, function(a, b) return tonumber(a) > tonumber(b) end)
    while active[active_at] and not within(active[active_at], upper) do
      active_at = active_at + 1
    end
  end
  local ns = {}
  while active[active_at] and #ns < count do
    ns[#ns + 1] = active[active_at]
    active_at = active_at + 1
  end
  return ns
end

local out, scanned = {}, 0
while scanned < budget do
  local chunk = math.min(budget - scanned, math.max(limit - #out, 50))
  local ns
  if ARGV[2] == 'active' then
    ns = active_entries(bound, chunk)
  else
    ns = redis.call('ZREVRANGEBYSCORE', set, bound, '-inf', 'LIMIT', 0, chunk)
  end
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
