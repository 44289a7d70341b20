-- claim: leases up to `limit` due jobs of one queue to one worker, keeping the fair
-- rotation between groups and the flow-control limits (claim-rotation.lua, claim-limits.lua).
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  limit: how many jobs at most
-- ARGV[3]  leaseMs: the lease expires at now + leaseMs
-- ARGV[4]  the worker's id, recorded for operators
-- ARGV[5]  token prefix, random per call; each job's token is the prefix plus its index
-- ARGV[6]  the worker's limits by task, as JSON ('' for none)
-- Returns  one flat array: nextDueInMs, leaseExpiresAt, then 12 fields per job: n, name,
--          data, priority, attempt, attempts, stalls, maxStalls, key, group, createdAt, runAt
--          (the numbers other than n as integer replies),
--          in the order the rotation took them (the i-th job's token is the prefix plus i).
--          Flat, so neither side builds a nested reply per job. nextDueInMs: when fewer than
--          `limit` were claimed, ms until the next scheduled job is due, a block ends or a
--          full rate window has room, whichever comes first (-1: none); -1 otherwise. A
--          paused queue gives no jobs; jobs of paused or blocked tasks, or over a limit,
--          stay waiting.
-- Atomic: promoting due jobs, counting running jobs and starts, choosing, leasing,
-- recording starts and moving the rotation are one script, so no two claims lease the same
-- job or both see room for the same last slot, and each lease gets a token no other has.
local now = clock(ARGV[1])
local limit = tonumber(ARGV[2])
local meta = redis.call('HMGET', K.meta, 'paused', 'served')
if meta[1] then return { -1, 0 } end
promote(now)
init_limits(ARGV[6], now)
init_rotation(now)
local picks, served, seq = rotate(limit, meta[2])

-- A stored whole number as an integer reply, which the client reads without making a string
-- of it (7 of a job's 12 fields); a missing field stays missing.
local function int(field) return tonumber(field) or field end

-- Leases the picks: the same changes as leave (waiting) then enter (active) per job, made
-- with one command per set for the whole claim, since claim is the busiest script.
local lease = num(now + tonumber(ARGV[3]))
local started, worker, prefix = num(now), ARGV[4], ARGV[5]
local jobs, ns, leases, lanes = { -1, lease }, {}, {}, {}
-- Lanes by task, then group: a claim mostly takes from one lane, whose key is built once.
local lane_of = {}
for i = 1, picks.n do
  local task, group, member = picks.task[i], picks.group[i], picks.member[i]
  -- The member ends with the job's number, zero-padded to 16 digits: as it stands unless
  -- it is shorter (a leading zero).
  local n = string.sub(member, 17)
  if string.byte(n) == 48 then n = num(n) end
  local token = prefix .. i
  local key = job_key(n)
  local f = redis.call('HMGET', key, 'name', 'data', 'priority', 'attempt', 'attempts',
    'stalls', 'maxStalls', 'key', 'group', 'createdAt', 'runAt')
  local attempt = tonumber(f[4]) + 1
  redis.call('HSET', key, 'state', 'active', 'attempt', attempt, 'token', token,
    'worker', worker, 'lease', lease, 'startedAt', started)
  ns[i], leases[2 * i - 1], leases[2 * i] = n, lease, n
  local by_group = lane_of[task]
  if not by_group then
    by_group = {}
    lane_of[task] = by_group
  end
  local lane = by_group[group]
  if not lane then
    lane = { key = base .. 'lane:' .. scope(task, group), task = task, group = group,
      members = {}, job = { name = task, group = f[9] or nil }, by = 0 }
    by_group[group] = lane
    lanes[#lanes + 1] = lane
  end
  lane.by = lane.by + 1
  lane.members[lane.by] = member
  record_start(task, group, token)
  local j = 12 * i - 10
  jobs[j + 1], jobs[j + 2], jobs[j + 3], jobs[j + 4], jobs[j + 5], jobs[j + 6] =
    n, f[1], f[2], int(f[3]), attempt, int(f[5])
  jobs[j + 7], jobs[j + 8], jobs[j + 9], jobs[j + 10], jobs[j + 11], jobs[j + 12] =
    int(f[6]), int(f[7]), f[8], f[9], int(f[10]), int(f[11])
end
if #ns > 0 then
  call_many('ZREM', K.pending, ns)
  call_many('ZADD', K.leases, leases)
  for _, lane in ipairs(lanes) do
    call_many('ZREM', lane.key, lane.members)
    lane_left(lane.key, lane.task, lane.group)
  end
  redis.call('HINCRBY', K.meta, 'waiting', -#ns)
  for _, lane in ipairs(lanes) do count_running(lane.job, lane.by) end
end
save_rotation(served, seq)
if #ns < limit then jobs[1] = soonest(now, { unblock_at, rate_room_at }) end
return jobs
