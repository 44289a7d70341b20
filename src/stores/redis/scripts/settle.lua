-- settle: applies workers' outcomes to leased jobs of one queue.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2..] four per outcome: kind, job number, token, value. kind is one of
--             complete  value: the result (JSON); the job is completed
--             remove    completed with a retention of zero: the job is deleted
--             retry     value: "<delayMs>:<error JSON>"; due again at now + delayMs
--             dead      value: the error (JSON); the job is dead
--             release   handed back unfinished: waiting again in its old place, the start undone
--             postpone  value: delayMs; put back by an upstream rate limit: due at now +
--                       delayMs, the start undone (its recorded rate-limit start stays)
-- Returns   one 1 (applied) or 0 (stale token, or the job is no longer active) per outcome.
-- Atomic: each outcome's fence (state active, token matches) and its change are one
-- step, so a worker whose lease was rescued or cancelled changes nothing.
local now = clock(ARGV[1])
local out = {}

local function finish(n, job, state, field, value)
  leave(n, job)
  enter(n, state, { finishedAt = now }, { field, value, 'finishedAt', num(now) })
  release_key(n, job)
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

for i = 2, #ARGV, 4 do
  local kind, n, value = ARGV[i], ARGV[i + 1], ARGV[i + 3]
  local job = leased(n, ARGV[i + 2])
  if not job then
    out[#out + 1] = 0
  else
    if kind == 'complete' then
      finish(n, job, 'completed', 'result', value)
    elseif kind == 'remove' then
      drop(n, job)
    elseif kind == 'retry' then
      retry(n, job, value)
    elseif kind == 'dead' then
      finish(n, job, 'dead', 'error', value)
    elseif kind == 'release' then
      release(n, job)
    elseif kind == 'postpone' then
      requeue(n, job, tonumber(value), { 'attempt', math.max(job.attempt - 1, 0) })
    else
      return redis.error_reply('ERR errand settle: unknown outcome kind ' .. kind)
    end
    out[#out + 1] = 1
  end
end
return out
