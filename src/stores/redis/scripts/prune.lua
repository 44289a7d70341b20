-- prune: deletes one queue's finished jobs past retention.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  completed jobs: delete those that finished before this ms ('' = no age limit)
-- ARGV[2]  completed jobs: keep at most this many, the most recently finished ('' = no limit)
-- ARGV[3]  dead and cancelled jobs: finished-before, as ARGV[1]
-- ARGV[4]  dead and cancelled jobs: how many to keep, as ARGV[2]
-- ARGV[5]  limit: delete at most this many jobs in this call
-- Returns  how many jobs it deleted.
-- Atomic: one script; a job is deleted whole (hash, logs, every set).
local left = tonumber(ARGV[5])

local function delete(ns)
  for _, n in ipairs(ns) do
    local job = load(n)
    if job then drop(n, job) else redis.call('ZREM', K.done_completed, n) redis.call('ZREM', K.done_failed, n) end
  end
  left = left - #ns
end

local function prune(set, before, keep)
  if left > 0 and before ~= '' then
    delete(redis.call('ZRANGEBYSCORE', set, '-inf', '(' .. before, 'LIMIT', 0, left))
  end
  if left > 0 and keep ~= '' then
    local excess = redis.call('ZCARD', set) - tonumber(keep)
    if excess > 0 then delete(redis.call('ZRANGE', set, 0, math.min(excess, left) - 1)) end
  end
end

prune(K.done_completed, ARGV[1], ARGV[2])
prune(K.done_failed, ARGV[3], ARGV[4])
return tonumber(ARGV[5]) - left
