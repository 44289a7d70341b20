-- settle: applies workers' outcomes to leased jobs of one queue.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2..] four per outcome: kind, job number, token, value. kind is one of
--             complete  value: the result (JSON); the job is completed
--             remove    completed with a retention of zero: the job is deleted
--             retry     value: "<delayMs>:<error JSON>"; due again at now + delayMs
--             dead      value: the error (JSON); the job is dead
--             release   handed back unfinished: waiting again in its old place, the start undone
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

local function retry(n, job, value)
  local colon = string.find(value, ':', 1, true)
  local run_at = now + tonumber(string.sub(value, 1, colon - 1))
  leave(n, job)
  local state = 'waiting'
  if run_at > now then state = 'scheduled' end
  enter(n, state, { priority = job.priority, runAt = run_at },
    { 'error', string.sub(value, colon + 1), 'runAt', num(run_at) })
end

local function release(n, job)
  leave(n, job)
  enter(n, 'waiting', { priority = job.priority, runAt = job.runAt },
    { 'attempt', math.max(job.attempt - 1, 0) })
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
    else
      return redis.error_reply('ERR errand settle: unknown outcome kind ' .. kind)
    end
    out[#out + 1] = 1
  end
end
return out
