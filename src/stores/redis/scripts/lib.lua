-- lib: helpers shared by every script of the Redis store. The script loader puts this
-- text in front of each script, so each still runs as one self-contained Lua chunk.
--
-- KEYS[1] is always one queue's key base, `<prefix>:{q:<queue>}:` (see keys.ts). Every
-- key a script touches is that base plus a suffix below, so all of them carry the same
-- hash tag and live on one Redis Cluster slot.
--
-- A job is a hash at job:<n> (n: its number within the queue) and sits in the sets of
-- its state, which `enter` and `leave` (job-states.lua) keep in step with its `state` field:
--   scheduled  pending (by n), due (by run time)
--   waiting    pending (by n), its lane (score -priority, member run time + n)
--   active     leases (by lease expiry); counted in `running`. Until December 2026 an
--              `active` set (by n) held them too, for listing: list.lua now sorts the
--              members of `leases`, which are only as many as workers hold, and the
--              claim and settle save a ZADD and a ZREM per job.
--   completed  completed (by n), done:completed (by finish time)
--   dead       dead (by n), done:failed (by finish time)
--   cancelled  cancelled (by n), done:failed (by finish time)
-- and, in every state, `all` (by n); claim.lua leases many jobs at once with the same
-- changes. Numbers that go into key names or replies are formatted with `num`, because
-- Lua's own number-to-string conversion keeps only 14 digits.
--
-- Waiting jobs are split by group and task, for fair rotation and limits (claim-buckets.lua):
-- a lane (lane:<scope>) holds the waiting jobs of one task in one group; a bucket is one
-- group's lanes (lanes:<group> lists their tasks; '' is the bucket of jobs without a group);
-- `groups` holds the buckets that have waiting jobs, scored by their place in the rotation.

local base = KEYS[1]
-- The queue's keys by field name: the suffix is the name with '_' written '-', except the
-- two done sets. Built on first use, as a script touches a few of the twenty: building all
-- of them on every call was a measurable share of a short script's time.
local KEY_SUFFIXES = { done_completed = 'done:completed', done_failed = 'done:failed' }
local K = setmetatable({}, {
  __index = function(keys, name)
    local key = base .. (KEY_SUFFIXES[name] or string.gsub(name, '_', '-'))
    keys[name] = key
    return key
  end,
})

local function job_key(n) return base .. 'job:' .. n end
local function logs_key(n) return base .. 'logs:' .. n end
local function schedule_key(name) return base .. 'schedule:' .. name end

-- A whole number as a plain decimal string.
local function num(x) return string.format('%.0f', tonumber(x)) end

-- The server's TIME reply, read once per script: every use in one script is one instant.
local time_reply = nil
local function server_time()
  time_reply = time_reply or redis.call('TIME')
  return time_reply
end

-- The store's clock in ms: the `now` a test passed, else the server's TIME.
local function clock(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = server_time()
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Member of the waiting set: run time then job number, fixed width, so jobs of equal
-- score (priority) sort by due time, then enqueue order. Run times are clamped to the
-- width; the exact value stays in the job's hash.
local function waiting_member(run_at, n)
  local at = math.min(math.max(tonumber(run_at), 0), 9999999999999999)
  return string.format('%016.0f%016.0f', at, tonumber(n))
end

-- The state a reader sees: a scheduled job already due is waiting.
local function reported(state, run_at, now)
  if state == 'scheduled' and tonumber(run_at) <= now then return 'waiting' end
  return state
end

-- Runs `cmd key args...` with at most 1000 of the arguments at a time (Lua's unpack has a
-- limit); ZADD's score/member pairs stay together, as 1000 is even.
local function call_many(cmd, key, args)
  for i = 1, #args, 1000 do
    redis.call(cmd, key, unpack(args, i, math.min(i + 999, #args)))
  end
end

-- A task's flow-control scope, alone (group '') or in one group: the suffix of its lane,
-- start-record and block keys. The length prefix keeps any two (task, group) pairs apart.
local function scope(task, group)
  return #task .. ':' .. task .. ':' .. (group or '')
end

-- Milliseconds from now until the earliest of the first scheduled job's due time (0 when
-- one is due already) and `times` (absolute ms; an optional list), or -1 when none.
local function soonest(now, times)
  local at = nil
  local first = redis.call('ZRANGE', K.due, 0, 0, 'WITHSCORES')
  if #first > 0 then at = tonumber(first[2]) end
  for _, t in pairs(times or {}) do
    if not at or t < at then at = t end
  end
  if not at then return -1 end
  return math.max(0, at - now)
end

