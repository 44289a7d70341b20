-- prune: deletes one queue's finished jobs past retention.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  completed jobs: delete those that finished before this ms ('' = no age limit)
-- ARGV[2]  completed jobs: keep at most this many, the most recently finished ('' = no limit)
-- ARGV[3]  dead and cancelled jobs: finished-before, as ARGV[1]
-- ARGV[4]  dead and cancelled jobs: how many to keep, as ARGV[2]
-- ARGV[5]  limit: delete at most this many jobs in this call
-- Returns  how many jobs it deleted.
-- Finished jobs hold no deduplication key (a job gives its key up when it finishes), so
-- a job is deleted by taking its number out of its sets and deleting its hash and logs,
-- a few commands per thousand jobs, without reading any job.
-- Atomic: one script; a job is deleted whole.
local left = tonumber(ARGV[5])

local function delete(ns, done, states)
  for from = 1, #ns, 1000 do
    local chunk = { unpack(ns, from, math.min(from + 999, #ns)) }
    local doomed = {}
    for _, n in ipairs(chunk) do
      doomed[#doomed + 1] = job_key(n)
      doomed[#doomed + 1] = logs_key(n)
    end
    redis.call('ZREM', done, unpack(chunk))
    redis.call('ZREM', K.all, unpack(chunk))
    for _, state in ipairs(states) do redis.call('ZREM', K[state], unpack(chunk)) end
    redis.call('DEL', unpack(doomed))
  end
  left = left - #ns
end

local function prune(done, states, before, keep)
  if left > 0 and before ~= '' then
    delete(redis.call('ZRANGEBYSCORE', done, '-inf', '(' .. before, 'LIMIT', 0, left), done, states)
  end
  if left > 0 and keep ~= '' then
    local excess = redis.call('ZCARD', done) - tonumber(keep)
    if excess > 0 then
      delete(redis.call('ZRANGE', done, 0, math.min(excess, left) - 1), done, states)
    end
  end
end

prune(K.done_completed, { 'completed' }, ARGV[1], ARGV[2])
prune(K.done_failed, { 'dead', 'cancelled' }, ARGV[3], ARGV[4])
return tonumber(ARGV[5]) - left
