-- insert-raw: inserts jobs into one queue exactly as given, in any state (tests, tools).
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   the queue's name
-- ARGV[2..] eighteen per job, '' for null: name, state, data, result, error, priority,
--           attempt, attempts, stalls, maxStalls, key, group, token, lease (expiry),
--           createdAt, runAt, startedAt, finishedAt. Left out, createdAt and runAt are the
--           server's now; an active job gets a token and a lease of 30 s; a finished job
--           finishes now.
-- Returns   the new job numbers, in order.
-- Skips deduplication, but a live job's key is recorded when no other job holds it, so
-- later enqueues see it as they would a key taken by enqueue.
-- Atomic: one script, so the batch is written whole.
local FIELDS = { 'name', 'state', 'data', 'result', 'error', 'priority', 'attempt', 'attempts',
  'stalls', 'maxStalls', 'key', 'group', 'token', 'lease', 'createdAt', 'runAt', 'startedAt',
  'finishedAt' }
local now = clock('')
local next_number = number_source()
local out = {}

local function defaults(job, n)
  job.createdAt = job.createdAt or num(now)
  job.runAt = job.runAt or num(now)
  if job.state == 'active' then
    job.token = job.token or ('raw-' .. n)
    job.lease = job.lease or num(now + 30000)
  elseif job.state == 'completed' or job.state == 'dead' or job.state == 'cancelled' then
    job.finishedAt = job.finishedAt or num(now)
  end
end

for i = 2, #ARGV, #FIELDS do
  local n = next_number()
  local job = {}
  for j, field in ipairs(FIELDS) do
    if ARGV[i + j - 1] ~= '' then job[field] = ARGV[i + j - 1] end
  end
  defaults(job, n)
  local hash = { 'queue', ARGV[1] }
  for _, field in ipairs(FIELDS) do
    if job[field] then
      hash[#hash + 1] = field
      hash[#hash + 1] = job[field]
    end
  end
  redis.call('HSET', job_key(n), unpack(hash))
  redis.call('ZADD', K.all, n, n)
  if job.state == 'waiting' and tonumber(job.runAt) > now then
    -- Not due yet: it waits in the due set until then, as in the other stores, while
    -- readers still see the state it was given.
    enter(n, 'scheduled', job)
    redis.call('HSET', job_key(n), 'state', 'waiting')
  else
    enter(n, job.state, job)
  end
  local live = job.state == 'scheduled' or job.state == 'waiting' or job.state == 'active'
  if live and job.key then redis.call('HSETNX', K.keys, job.key, n) end
  out[#out + 1] = tonumber(n)
end
save_numbers()
return out
