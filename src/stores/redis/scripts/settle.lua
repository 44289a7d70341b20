-- settle: applies workers' outcomes to leased jobs of one queue.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2..] runs of outcomes of one kind: the kind, the run's length, then three per
--           outcome: job number, token, value (runs, so a batch of one kind does not repeat
--           its kind per job). kind is one of
--             complete  value: the result (JSON); the job is completed
--             remove    completed with a retention of zero: the job is deleted
--             retry     value: "<delayMs>:<error JSON>"; due again at now + delayMs
--             dead      value: the error (JSON); the job is dead
--             release   handed back unfinished: waiting again in its old place, the start undone
--             postpone  value: delayMs; put back by an upstream rate limit: due at now +
--                       delayMs, the start undone (its recorded rate-limit start stays)
-- Returns   one 1 (applied) or 0 (stale token, or the job is no longer active) per outcome.
-- Atomic: each outcome's fence (state active, token matches) and its change are one
-- step, so a worker whose lease was rescued or cancelled changes nothing. The fence reads
-- the job's hash, and each outcome rewrites the hash's state before the next outcome is
-- fenced, so a job named twice in one batch is settled once.
--
-- Finishing outcomes (complete, remove, dead) are what a busy worker sends, so they touch
-- only the job's own hash as they go; their index changes (the same ones `leave` and
-- `enter` make) are gathered and written once for the whole batch at the end, one command
-- per set. A finished job keeps its last token, lease and worker fields: they are fenced
-- by its state, and deleting them would cost one more command per job. The other outcomes
-- put the job back in line through `leave` and `enter` at once.
local now = clock(ARGV[1])
local at = num(now)
local out = {}
-- Gathered index changes: jobs leaving active; ZADD arguments of the finished sets; jobs
-- deleted.
local gone, completed, done_completed, dead, done_failed, removed = {}, {}, {}, {}, {}, {}
-- Jobs leaving active by task, then group ('' for none), with the tasks in first-seen order.
local leaving, tasks = {}, {}

-- The job leaves active: the part of `leave` that is written per batch. `group` is '' for
-- a job without one.
local function leaves_active(n, task, group)
  gone[#gone + 1] = n
  local t = leaving[task]
  if not t then
    t = { groups = {}, count = {} }
    leaving[task] = t
    tasks[#tasks + 1] = task
  end
  local count = t.count[group]
  if not count then t.groups[#t.groups + 1] = group end
  t.count[group] = (count or 0) + 1
end

-- Applies a finishing outcome (complete, remove, dead) if its fence holds, reading only the
-- fields it needs and building no table per job; returns 1 (applied) or 0.
local function finishing(kind, n, token, value)
  local key = job_key(n)
  local f = redis.call('HMGET', key, 'state', 'token', 'key', 'name', 'group')
  if f[1] ~= 'active' or f[2] ~= token then return 0 end
  leaves_active(n, f[4], f[5] or '')
  if kind == 'remove' then
    removed[#removed + 1] = n
    redis.call('DEL', key, logs_key(n))
  elseif kind == 'complete' then
    redis.call('HSET', key, 'state', 'completed', 'result', value, 'finishedAt', at)
    completed[#completed + 1], completed[#completed + 2] = n, n
    done_completed[#done_completed + 1], done_completed[#done_completed + 2] = at, n
  else -- dead
    redis.call('HSET', key, 'state', 'dead', 'error', value, 'finishedAt', at)
    dead[#dead + 1], dead[#dead + 2] = n, n
    done_failed[#done_failed + 1], done_failed[#done_failed + 2] = at, n
  end
  if f[3] then release_key(n, { key = f[3] }) end
  return 1
end

-- Makes the job due again at now + delay_ms, with `fields` written in the same step.
local function requeue(n, job, delay_ms, fields)
  local run_at = now + delay_ms
  leave(n, job)
  job.runAt = run_at
  local state = 'waiting'
  if run_at > now then state = 'scheduled' end
  fields[#fields + 1] = 'runAt'
  fields[#fields + 1] = num(run_at)
  enter(n, state, job, fields)
end

local function retry(n, job, value)
  local colon = string.find(value, ':', 1, true)
  requeue(n, job, tonumber(string.sub(value, 1, colon - 1)),
    { 'error', string.sub(value, colon + 1) })
end

local function release(n, job)
  leave(n, job)
  enter(n, 'waiting', job, { 'attempt', math.max(job.attempt - 1, 0) })
end

-- A malformed batch (an unknown kind, a run longer than the arguments) fails whole before
-- anything is written, as the gathered index changes are only written at the end.
local KINDS = { complete = true, remove = true, retry = true, dead = true, release = true,
  postpone = true }
local FINISHING = { complete = true, remove = true, dead = true }
local i = 2
while i <= #ARGV do
  local kind, count = ARGV[i], tonumber(ARGV[i + 1])
  if not KINDS[kind] then
    return redis.error_reply('ERR errand settle: unknown outcome kind ' .. kind)
  end
  if not count or count < 1 or count % 1 ~= 0 or i + 1 + 3 * count > #ARGV then
    return redis.error_reply('ERR errand settle: bad run length ' .. tostring(ARGV[i + 1]))
  end
  i = i + 2 + 3 * count
end

i = 2
while i <= #ARGV do
  local kind, last = ARGV[i], i + 1 + 3 * tonumber(ARGV[i + 1])
  for j = i + 2, last, 3 do
    local n, token, value = ARGV[j], ARGV[j + 1], ARGV[j + 2]
    if FINISHING[kind] then
      out[#out + 1] = finishing(kind, n, token, value)
    else
      local job = leased(n, token)
      if not job then
        out[#out + 1] = 0
      else
        if kind == 'retry' then
          retry(n, job, value)
        elseif kind == 'release' then
          release(n, job)
        else -- postpone
          requeue(n, job, tonumber(value), { 'attempt', math.max(job.attempt - 1, 0) })
        end
        out[#out + 1] = 1
      end
    end
  end
  i = last + 1
end

if #gone > 0 then
  call_many('ZREM', K.leases, gone)
  local function uncount(s, by)
    if redis.call('HINCRBY', K.running, s, -by) <= 0 then redis.call('HDEL', K.running, s) end
  end
  for _, task in ipairs(tasks) do
    local t, all = leaving[task], 0
    for _, group in ipairs(t.groups) do
      all = all + t.count[group]
      if group ~= '' then uncount(scope(task, group), t.count[group]) end
    end
    uncount(scope(task, ''), all)
  end
end
if #completed > 0 then
  call_many('ZADD', K.completed, completed)
  call_many('ZADD', K.done_completed, done_completed)
end
if #dead > 0 then
  call_many('ZADD', K.dead, dead)
  call_many('ZADD', K.done_failed, done_failed)
end
if #removed > 0 then call_many('ZREM', K.all, removed) end
return out
