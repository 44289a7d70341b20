-- claim-limits: the flow-control limits one claim keeps. A library: the loader puts it
-- after lib.lua in front of claim.lua and claim-candidates.lua.
-- Limits come from the claiming worker as JSON, by task name: {concurrency, rate: {max,
-- perMs}, groupConcurrency, groupRate, groupWeights}. Running jobs are read from `running`
-- (which enter/leave keep), starts from the start records starts:<scope> (a zset per task,
-- and per task and group: member the claim's token, score the time of the claim). Each is
-- read once per claim and then counted up in memory as the claim picks jobs, so every pick
-- is checked against everything picked before it, in this claim and in every other one:
-- the claim is one script, so no other claim runs in between.
-- Limits are counted per queue: a task enqueued into several queues has its limits in each.

local limits = {}
local limits_now = 0
local running_n = {}
local windows = {}
-- The earliest time a full rate window has room again, for an idle worker's wake-up.
local rate_room_at = nil

local function init_limits(json, now)
  if json ~= '' then limits = cjson.decode(json) end
  limits_now = now
end

local function running_of(s)
  local n = running_n[s]
  if n == nil then
    n = tonumber(redis.call('HGET', K.running, s) or '0')
    running_n[s] = n
  end
  return n
end

-- Starts in the window (now - perMs, now] of one scope, and the oldest of them.
local function window_of(s, rate)
  local w = windows[s]
  if w == nil then
    local key, since = base .. 'starts:' .. s, '(' .. num(limits_now - rate.perMs)
    local first = redis.call('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    w = { n = redis.call('ZCOUNT', key, since, '+inf'), oldest = tonumber(first[2]) }
    windows[s] = w
  end
  return w
end

local function rate_full(s, rate)
  local w = window_of(s, rate)
  if w.n < rate.max then return false end
  local room = (w.oldest or limits_now) + rate.perMs
  if not rate_room_at or room < rate_room_at then rate_room_at = room end
  return true
end

-- Whether a job of `task` in `group` ('' for none) may start: 'ok', 'task' (the task is
-- full in this queue) or 'group' (full in this group only).
local function check_limits(task, group)
  local l = limits[task]
  if not l then return 'ok' end
  local t = scope(task, '')
  if l.concurrency and running_of(t) >= l.concurrency then return 'task' end
  if l.rate and rate_full(t, l.rate) then return 'task' end
  if group == '' then return 'ok' end
  local g = scope(task, group)
  if l.groupConcurrency and running_of(g) >= l.groupConcurrency then return 'group' end
  if l.groupRate and rate_full(g, l.groupRate) then return 'group' end
  return 'ok'
end

-- Counts a job this claim picked against its task's (and group's) limits.
local function took(task, group)
  local l = limits[task]
  if not l then return end
  local t = scope(task, '')
  running_n[t] = running_of(t) + 1
  if l.rate then window_of(t, l.rate).n = window_of(t, l.rate).n + 1 end
  if group == '' then return end
  local g = scope(task, group)
  running_n[g] = running_of(g) + 1
  if l.groupRate then window_of(g, l.groupRate).n = window_of(g, l.groupRate).n + 1 end
end

-- Records one start where a rate limit will count it; drops records older than the window.
-- The key expires a minute after its window once no start refreshes it, so the records of
-- a group that stops getting jobs do not stay behind.
local function record_start_in(s, rate, token)
  local key = base .. 'starts:' .. s
  redis.call('ZREMRANGEBYSCORE', key, '-inf', num(limits_now - rate.perMs))
  redis.call('ZADD', key, num(limits_now), token)
  redis.call('PEXPIRE', key, num(rate.perMs + 60000))
end

-- Records the start of a leased job of `task` in `group` under its lease token.
local function record_start(task, group, token)
  local l = limits[task]
  if not l then return end
  if l.rate then record_start_in(scope(task, ''), l.rate, token) end
  if l.groupRate and group ~= '' then record_start_in(scope(task, group), l.groupRate, token) end
end

-- Jobs a group's bucket gets per turn: the largest weight any task gives it, else 1.
local function weight(group)
  local w = 1
  if group == '' then return w end
  for _, l in pairs(limits) do
    local given = l.groupWeights and l.groupWeights[group]
    if given and given > w then w = given end
  end
  return w
end
