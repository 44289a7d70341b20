-- claim: leases up to `limit` due jobs of one queue to one worker.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  limit: how many jobs at most
-- ARGV[3]  leaseMs: the lease expires at now + leaseMs
-- ARGV[4]  the worker's id, recorded for operators
-- ARGV[5]  token prefix, random per call; each job's token is the prefix plus its index
-- Returns  {jobs, nextDueInMs}. jobs: one {n, token, leaseExpiresAt, name, data, priority,
--          attempt, attempts, stalls, maxStalls, key, group, createdAt, runAt} per job,
--          highest priority first, then earliest due, then enqueue order. nextDueInMs: ms
--          until the next scheduled job is due (-1: none) when fewer than `limit` were
--          claimed; -1 otherwise. A paused queue gives no jobs.
-- Atomic: the due jobs are promoted, chosen and leased in one script, so no two claims
-- ever lease the same job, and each lease gets a token no other claim has.
local now = clock(ARGV[1])
local limit = tonumber(ARGV[2])
if redis.call('HGET', K.meta, 'paused') then return { {}, -1 } end
promote(now)
local lease = now + tonumber(ARGV[3])
local members = redis.call('ZRANGE', K.waiting, 0, limit - 1)
if #members > 0 then redis.call('ZREMRANGEBYRANK', K.waiting, 0, #members - 1) end
local jobs = {}
for i, member in ipairs(members) do
  local n = num(string.sub(member, 17))
  local jk = job_key(n)
  local token = ARGV[5] .. i
  local f = redis.call('HMGET', jk, 'name', 'data', 'priority', 'attempt', 'attempts', 'stalls',
    'maxStalls', 'key', 'group', 'createdAt', 'runAt')
  local attempt = tonumber(f[4]) + 1
  redis.call('ZREM', K.pending, n)
  enter(n, 'active', { lease = lease }, { 'attempt', attempt, 'token', token,
    'worker', ARGV[4], 'lease', num(lease), 'startedAt', num(now) })
  jobs[i] = { tonumber(n), token, num(lease), f[1], f[2], f[3], attempt, f[5], f[6], f[7], f[8],
    f[9], f[10], f[11] }
end
local next_due = -1
if #jobs < limit then next_due = next_due_in(now) end
return { jobs, next_due }
