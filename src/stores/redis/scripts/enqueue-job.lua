-- enqueue-job: inserts one new job the way enqueue does, with deduplication, debounce and
-- throttle. A library: the loader puts it after lib.lua in front of enqueue.lua and
-- fire-schedule.lua, so a schedule's occurrence is enqueued exactly like any other job.
-- New jobs' index entries are gathered and written once per batch by `write_new_jobs`
-- (every caller runs it before it returns), one command per set instead of six per job.
-- Throttle windows: `throttle` (zset: key -> end of the window of the key's newest
-- throttled job) and `throttled` (hash: key -> that job's number). A window that has
-- ended is dropped: after it, only a live job holds the key, through `keys`.

-- The number of fields one job takes in a script's ARGV (see enqueue_job).
local JOB_FIELDS = 11

-- Index entries of new jobs not written yet: `all` and `pending` (ZADD arguments), `due`
-- (scheduled jobs), and the waiting jobs by lane, lanes in the order they first appear.
local new_all, new_pending, new_due, new_lanes, lane_order = {}, {}, {}, {}, {}

-- Lane keys by group, then task: a batch mostly repeats one lane, built once.
local lane_keys = {}
local function lane_key(task, group)
  local by_task = lane_keys[group]
  if not by_task then
    by_task = {}
    lane_keys[group] = by_task
  end
  local lane = by_task[task]
  if not lane then
    lane = base .. 'lane:' .. scope(task, group)
    by_task[task] = lane
  end
  return lane
end

-- `num` of the last value asked: a batch's jobs mostly share their createdAt and runAt.
local last_x, last_text = nil, nil
local function num_repeated(x)
  if x ~= last_x then last_x, last_text = x, num(x) end
  return last_text
end

local function defer_index(n, state, task, group, priority, run_at)
  new_all[#new_all + 1], new_all[#new_all + 2] = n, n
  new_pending[#new_pending + 1], new_pending[#new_pending + 2] = n, n
  if state == 'scheduled' then
    new_due[#new_due + 1], new_due[#new_due + 2] = num_repeated(run_at), n
    return
  end
  local lane = lane_key(task, group)
  local l = new_lanes[lane]
  if not l then
    l = { task = task, group = group, args = {} }
    new_lanes[lane], lane_order[#lane_order + 1] = l, lane
  end
  l.args[#l.args + 1], l.args[#l.args + 2] = -tonumber(priority), waiting_member(run_at, n)
end

-- Writes the gathered entries: the same sets `enter` and `join_lane` (job-states.lua) keep,
-- so a lane or bucket that was empty joins the rotation, buckets in order of arrival.
local function write_new_jobs()
  if #new_all == 0 then return end
  call_many('ZADD', K.all, new_all)
  call_many('ZADD', K.pending, new_pending)
  if #new_due > 0 then call_many('ZADD', K.due, new_due) end
  local waiting = 0
  for _, lane in ipairs(lane_order) do
    local l, added = new_lanes[lane], 0
    for i = 1, #l.args, 1000 do
      added = added + redis.call('ZADD', lane, unpack(l.args, i, math.min(i + 999, #l.args)))
    end
    waiting = waiting + added
    if added > 0 and redis.call('ZCARD', lane) == added then
      redis.call('SADD', base .. 'lanes:' .. l.group, l.task)
      if not redis.call('ZSCORE', K.groups, l.group) then
        local arrival = redis.call('HINCRBY', K.meta, 'arrivals', 1)
        redis.call('ZADD', K.groups, num(arrival - 4503599627370496), l.group)
      end
    end
  end
  if waiting > 0 then redis.call('HINCRBY', K.meta, 'waiting', waiting) end
  new_all, new_pending, new_due, new_lanes, lane_order = {}, {}, {}, {}, {}
end

-- Forgets throttle windows that have ended, a bounded number per call.
local function drop_ended_windows(now)
  local ended = redis.call('ZRANGEBYSCORE', K.throttle, '-inf', num(now), 'LIMIT', 0, 100)
  if #ended == 0 then return end
  redis.call('ZREM', K.throttle, unpack(ended))
  redis.call('HDEL', K.throttled, unpack(ended))
end

-- The job that takes the place of a new one with this key: the live holder (a holder not
-- started yet is debounced: it gets the new data and is due debounce_ms after now), or
-- with throttle the key's newest throttled job created less than throttle_ms ago.
-- Returns {n, 0, state}, or nil when the new job should be inserted.
local function existing(now, key, data, debounce_ms, throttle_ms)
  local n = redis.call('HGET', K.keys, key)
  if n then
    local job = load(n)
    if debounce_ms ~= '' and (job.state == 'scheduled' or job.state == 'waiting') then
      -- leave and enter below need the holder's entries (it may be new in this batch), and
      -- buckets must join the rotation in the batch's order.
      write_new_jobs()
      leave(n, job)
      job.runAt = now + tonumber(debounce_ms)
      local state = 'waiting'
      if job.runAt > now then state = 'scheduled' end
      enter(n, state, job, { 'data', data, 'runAt', num(job.runAt) })
      return { tonumber(n), 0, state }
    end
    return { tonumber(n), 0, reported(job.state, job.runAt, now) }
  end
  if throttle_ms == '' then return nil end
  drop_ended_windows(now)
  n = redis.call('HGET', K.throttled, key)
  if not n then return nil end
  local f = redis.call('HMGET', job_key(n), 'state', 'runAt', 'createdAt')
  if not f[1] or tonumber(f[3]) <= now - tonumber(throttle_ms) then return nil end
  return { tonumber(n), 0, reported(f[1], f[2], now) }
end

-- Enqueues the job whose JOB_FIELDS fields start at ARGV[i]: name, data (JSON), priority,
-- runAt ('' = now + delayMs), delayMs, attempts, maxStalls, key ('' = none), group
-- ('' = none), debounceMs ('' = none), throttleMs ('' = none). `data`, when given, stands
-- in for ARGV[i + 1] (enqueue sends the other fields once for a run of jobs that share
-- them). `next_number` comes from number_source(). Returns {n, created (1|0), state}. The
-- caller runs write_new_jobs after its last enqueue_job.
local function enqueue_job(now, queue, next_number, i, data)
  data = data or ARGV[i + 1]
  local key, group = ARGV[i + 7], ARGV[i + 8]
  if key ~= '' then
    local found = existing(now, key, data, ARGV[i + 9], ARGV[i + 10])
    if found then return found end
  end
  local n = next_number()
  local run_at = now + tonumber(ARGV[i + 4])
  if ARGV[i + 3] ~= '' then run_at = tonumber(ARGV[i + 3]) end
  local state = 'waiting'
  if run_at > now then state = 'scheduled' end
  local name, priority = ARGV[i], ARGV[i + 2]
  local created_at = num_repeated(now)
  -- What `enter` does, with the sets left to write_new_jobs. A job without key or group,
  -- the common case, is written without building its fields as a table first.
  if key == '' and group == '' then
    redis.call('HSET', job_key(n), 'name', name, 'queue', queue, 'data', data,
      'priority', priority, 'attempt', 0, 'attempts', ARGV[i + 5], 'stalls', 0,
      'maxStalls', ARGV[i + 6], 'createdAt', created_at, 'runAt', num_repeated(run_at),
      'state', state)
    defer_index(n, state, name, group, priority, run_at)
    return { tonumber(n), 1, state }
  end
  local fields = { 'name', name, 'queue', queue, 'data', data, 'priority', priority,
    'attempt', 0, 'attempts', ARGV[i + 5], 'stalls', 0, 'maxStalls', ARGV[i + 6],
    'createdAt', created_at, 'runAt', num_repeated(run_at) }
  if key ~= '' then
    fields[#fields + 1], fields[#fields + 2] = 'key', key
    redis.call('HSET', K.keys, key, n)
    if ARGV[i + 10] ~= '' then
      redis.call('HSET', K.throttled, key, n)
      redis.call('ZADD', K.throttle, num(now + tonumber(ARGV[i + 10])), key)
    end
  end
  if group ~= '' then fields[#fields + 1], fields[#fields + 2] = 'group', group end
  fields[#fields + 1], fields[#fields + 2] = 'state', state
  redis.call('HSET', job_key(n), unpack(fields))
  defer_index(n, state, name, group, priority, run_at)
  return { tonumber(n), 1, state }
end
