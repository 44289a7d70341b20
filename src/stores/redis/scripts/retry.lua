-- retry: makes dead or cancelled jobs of one queue waiting again, attempts and stalls reset.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock; the jobs are due at now
-- ARGV[2]   'ids', then ARGV[3..] job numbers; or
--           'filter', then ARGV[3] state (dead|cancelled), ARGV[4] task name ('' any),
--           ARGV[5] lower bound on job numbers ('-inf' or '(N'), ARGV[6] chunk size
-- Returns   {retried job numbers, bound}: bound is where a filtered call goes on ('(N'),
--           or '' when the filter has no more jobs to look at (always '' for ids).
-- Skips jobs in other states, and jobs whose key a live job now holds.
-- Atomic per job: each job's check and move are one step inside one script.
local now = clock(ARGV[1])
local out = {}

local function retry(n)
  local job = load(n)
  if not job or (job.state ~= 'dead' and job.state ~= 'cancelled') then return end
  if job.key and redis.call('HEXISTS', K.keys, job.key) == 1 then return end
  leave(n, job)
  redis.call('HDEL', job_key(n), 'startedAt', 'finishedAt', 'result', 'progress')
  if job.key then redis.call('HSET', K.keys, job.key, n) end
  job.runAt = now
  enter(n, 'waiting', job, { 'attempt', 0, 'stalls', 0, 'runAt', num(now) })
  out[#out + 1] = tonumber(n)
end

if ARGV[2] == 'ids' then
  for i = 3, #ARGV do retry(ARGV[i]) end
  return { out, '' }
end

local state, name, chunk = ARGV[3], ARGV[4], tonumber(ARGV[6])
local ns = redis.call('ZRANGEBYSCORE', K[state], ARGV[5], '+inf', 'LIMIT', 0, chunk)
for _, n in ipairs(ns) do
  if name == '' or redis.call('HGET', job_key(n), 'name') == name then retry(n) end
end
if #ns < chunk then return { out, '' } end
return { out, '(' .. ns[#ns] }
