-- job-states: moving jobs between states, keeping every set listed in lib.lua's header in
-- step with the job's hash. A library: the loader puts it after lib.lua in front of every
-- script.

-- Adds a waiting job to its lane; a lane or bucket that was empty joins the rotation
-- (a new bucket after those already waiting to be served, see claim-rotation.lua).
local function join_lane(n, job)
  local group = job.group or ''
  local lane = base .. 'lane:' .. scope(job.name, group)
  if redis.call('ZADD', lane, -tonumber(job.priority), waiting_member(job.runAt, n)) == 0 then
    return
  end
  redis.call('HINCRBY', K.meta, 'waiting', 1)
  if redis.call('ZCARD', lane) == 1 then
    redis.call('SADD', base .. 'lanes:' .. group, job.name)
    if not redis.call('ZSCORE', K.groups, group) then
      local arrival = redis.call('HINCRBY', K.meta, 'arrivals', 1)
      redis.call('ZADD', K.groups, num(arrival - 4503599627370496), group)
    end
  end
end

-- Buckets this script took out of the rotation, so a claim knows without asking again.
local left_rotation = {}

-- After jobs left a lane: an emptied lane leaves its bucket, an emptied bucket the rotation.
local function lane_left(lane, task, group)
  if redis.call('EXISTS', lane) == 1 then return end
  local lanes = base .. 'lanes:' .. group
  redis.call('SREM', lanes, task)
  if redis.call('EXISTS', lanes) == 0 then
    redis.call('ZREM', K.groups, group)
    redis.call('HDEL', K.turns, group)
    left_rotation[group] = true
  end
end

-- Takes a waiting job out of its lane.
local function quit_lane(n, job)
  local group = job.group or ''
  local lane = base .. 'lane:' .. scope(job.name, group)
  if redis.call('ZREM', lane, waiting_member(job.runAt, n)) == 0 then return end
  redis.call('HINCRBY', K.meta, 'waiting', -1)
  lane_left(lane, job.name, group)
end

-- Counts an active job of a task (and of its group) up or down, for concurrency limits.
local function count_running(job, by)
  local scopes = { scope(job.name, '') }
  if job.group then scopes[2] = scope(job.name, job.group) end
  for _, s in ipairs(scopes) do
    if redis.call('HINCRBY', K.running, s, by) <= 0 then redis.call('HDEL', K.running, s) end
  end
end

-- Puts job n into `state`: sets the field, with any `fields` (more field/value pairs)
-- in the same write, and adds the job to that state's sets. `job` holds what the sets
-- are scored by: priority, runAt, name and group (scheduled, waiting), lease, name and
-- group (active), finishedAt (finished states).
local function enter(n, state, job, fields)
  redis.call('HSET', job_key(n), 'state', state, unpack(fields or {}))
  if state == 'scheduled' then
    redis.call('ZADD', K.pending, n, n)
    redis.call('ZADD', K.due, num(job.runAt), n)
  elseif state == 'waiting' then
    redis.call('ZADD', K.pending, n, n)
    join_lane(n, job)
  elseif state == 'active' then
    redis.call('ZADD', K.leases, num(job.lease), n)
    count_running(job, 1)
  elseif state == 'completed' then
    redis.call('ZADD', K.completed, n, n)
    redis.call('ZADD', K.done_completed, num(job.finishedAt), n)
  else
    redis.call('ZADD', K[state], n, n)
    redis.call('ZADD', K.done_failed, num(job.finishedAt), n)
  end
end

-- Takes job n out of the sets of its current state (`job` as `load` gives it).
-- A job that leaves active loses its lease too: the token, its expiry and the worker.
local function leave(n, job)
  local state = job.state
  if state == 'scheduled' or state == 'waiting' then
    redis.call('ZREM', K.pending, n)
    redis.call('ZREM', K.due, n)
    quit_lane(n, job)
  elseif state == 'active' then
    if redis.call('ZREM', K.leases, n) == 1 then count_running(job, -1) end
    redis.call('HDEL', job_key(n), 'token', 'lease', 'worker')
  elseif state == 'completed' then
    redis.call('ZREM', K.completed, n)
    redis.call('ZREM', K.done_completed, n)
  elseif state == 'dead' or state == 'cancelled' then
    redis.call('ZREM', K[state], n)
    redis.call('ZREM', K.done_failed, n)
  end
end

-- Reads the fields `leave`, `enter` and the transitions need; nil when the job is missing.
local function load(n)
  local f = redis.call('HMGET', job_key(n), 'state', 'runAt', 'priority', 'key', 'token',
    'attempt', 'stalls', 'maxStalls', 'name', 'group')
  if not f[1] then return nil end
  return { state = f[1], runAt = f[2], priority = f[3], key = f[4] or nil, token = f[5] or nil,
    attempt = tonumber(f[6]), stalls = tonumber(f[7]), maxStalls = tonumber(f[8]), name = f[9],
    group = f[10] or nil }
end

-- The job as leased under `token`, or nil: the fence of every leased-job operation.
local function leased(n, token)
  local job = load(n)
  if job and job.state == 'active' and job.token == token then return job end
  return nil
end

-- Frees the job's deduplication key, if this job holds it: it is no longer live.
local function release_key(n, job)
  if job.key and redis.call('HGET', K.keys, job.key) == n then
    redis.call('HDEL', K.keys, job.key)
  end
end

-- Deletes job n and every trace of it.
local function drop(n, job)
  leave(n, job)
  release_key(n, job)
  redis.call('ZREM', K.all, n)
  redis.call('DEL', job_key(n), logs_key(n))
end

-- Makes due scheduled jobs waiting, earliest first, at most 1000 per call; a caller that
-- finds more still due simply runs again.
local function promote(now)
  local ns = redis.call('ZRANGEBYSCORE', K.due, '-inf', num(now), 'LIMIT', 0, 1000)
  for _, n in ipairs(ns) do
    local f = redis.call('HMGET', job_key(n), 'priority', 'runAt', 'name', 'group')
    redis.call('ZREM', K.due, n)
    enter(n, 'waiting', { priority = f[1], runAt = f[2], name = f[3], group = f[4] or nil })
  end
end
