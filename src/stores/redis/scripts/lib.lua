-- lib: helpers shared by every script of the Redis store. The script loader puts this
-- text in front of each script, so each still runs as one self-contained Lua chunk.
--
-- KEYS[1] is always one queue's key base, `<prefix>:{q:<queue>}:` (see keys.ts). Every
-- key a script touches is that base plus a suffix below, so all of them carry the same
-- hash tag and live on one Redis Cluster slot.
--
-- A job is a hash at job:<n> (n: its number within the queue) and sits in the sets of
-- its state, which `enter` and `leave` keep in step with the hash's `state` field:
--   scheduled  pending (by n), due (by run time)
--   waiting    pending (by n), waiting (score -priority, member run time + n)
--   active     active (by n), leases (by lease expiry)
--   completed  completed (by n), done:completed (by finish time)
--   dead       dead (by n), done:failed (by finish time)
--   cancelled  cancelled (by n), done:failed (by finish time)
-- and, in every state, `all` (by n). Numbers that go into key names or replies are
-- formatted with `num`, because Lua's own number-to-string conversion keeps only 14 digits.

local base = KEYS[1]
local K = {
  meta = base .. 'meta',
  keys = base .. 'keys',
  all = base .. 'all',
  pending = base .. 'pending',
  waiting = base .. 'waiting',
  due = base .. 'due',
  active = base .. 'active',
  leases = base .. 'leases',
  completed = base .. 'completed',
  dead = base .. 'dead',
  cancelled = base .. 'cancelled',
  done_completed = base .. 'done:completed',
  done_failed = base .. 'done:failed',
}

local function job_key(n) return base .. 'job:' .. n end
local function logs_key(n) return base .. 'logs:' .. n end

-- A whole number as a plain decimal string.
local function num(x) return string.format('%.0f', tonumber(x)) end

-- The store's clock in ms: the `now` a test passed, else the server's TIME.
local function clock(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Job numbers for new jobs of this queue: the server's time in microseconds, or one more
-- than the last number when that is larger. Numbers rise within a queue, and across
-- queues on one server they follow insertion order, which is what `list` sorts by.
-- Returns a function giving the next number; `save_numbers` records the last one given.
local last_number = nil
local function number_source()
  local t = redis.call('TIME')
  local next_n = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]),
    tonumber(redis.call('HGET', K.meta, 'last') or '0') + 1)
  return function()
    last_number = num(next_n)
    next_n = next_n + 1
    return last_number
  end
end
local function save_numbers()
  if last_number then redis.call('HSET', K.meta, 'last', last_number) end
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

-- Puts job n into `state`: sets the field, with any `fields` (more field/value pairs)
-- in the same write, and adds the job to that state's sets. `job` holds what the sets
-- are scored by: priority and runAt (scheduled, waiting), lease (active), finishedAt
-- (finished states).
local function enter(n, state, job, fields)
  redis.call('HSET', job_key(n), 'state', state, unpack(fields or {}))
  if state == 'scheduled' then
    redis.call('ZADD', K.pending, n, n)
    redis.call('ZADD', K.due, num(job.runAt), n)
  elseif state == 'waiting' then
    redis.call('ZADD', K.pending, n, n)
    redis.call('ZADD', K.waiting, -tonumber(job.priority), waiting_member(job.runAt, n))
  elseif state == 'active' then
    redis.call('ZADD', K.active, n, n)
    redis.call('ZADD', K.leases, num(job.lease), n)
  elseif state == 'completed' then
    redis.call('ZADD', K.completed, n, n)
    redis.call('ZADD', K.done_completed, num(job.finishedAt), n)
  else
    redis.call('ZADD', K[state], n, n)
    redis.call('ZADD', K.done_failed, num(job.finishedAt), n)
  end
end

-- Takes job n out of the sets of its current state (`job.state`; `job.runAt` for waiting).
-- A job that leaves active loses its lease too: the token, its expiry and the worker.
local function leave(n, job)
  local state = job.state
  if state == 'scheduled' or state == 'waiting' then
    redis.call('ZREM', K.pending, n)
    redis.call('ZREM', K.due, n)
    redis.call('ZREM', K.waiting, waiting_member(job.runAt, n))
  elseif state == 'active' then
    redis.call('ZREM', K.active, n)
    redis.call('ZREM', K.leases, n)
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
    'attempt', 'stalls', 'maxStalls', 'name')
  if not f[1] then return nil end
  return { state = f[1], runAt = f[2], priority = f[3], key = f[4] or nil, token = f[5] or nil,
    attempt = tonumber(f[6]), stalls = tonumber(f[7]), maxStalls = tonumber(f[8]), name = f[9] }
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
    local f = redis.call('HMGET', job_key(n), 'priority', 'runAt')
    redis.call('ZREM', K.due, n)
    enter(n, 'waiting', { priority = f[1], runAt = f[2] })
  end
end

-- Milliseconds until the earliest scheduled job is due (0 when one already is), or -1.
local function next_due_in(now)
  local first = redis.call('ZRANGE', K.due, 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return math.max(0, tonumber(first[2]) - now)
end

-- One job for get and list: {n, flat hash fields, log lines, reported state}, or {} when missing.
local function record(n, now)
  local flat = redis.call('HGETALL', job_key(n))
  if #flat == 0 then return {} end
  local state, run_at
  for i = 1, #flat, 2 do
    if flat[i] == 'state' then state = flat[i + 1] elseif flat[i] == 'runAt' then run_at = flat[i + 1] end
  end
  return { tonumber(n), flat, redis.call('LRANGE', logs_key(n), 0, -1), reported(state, run_at, now) }
end
