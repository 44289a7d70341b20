-- rescue: takes one queue's jobs whose lease expired out of active. Each counts a stall;
-- it is waiting again in its old place in line, or dead once its stalls reach maxStalls.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  limit: how many jobs at most
-- Returns  one {n, name, state ('waiting'|'dead'), stalls} per rescued job.
-- Atomic: the expiry check and the move are one step, so a job settled (or extended)
-- before this script ran is never touched, and two rescuers never both count a stall.
local now = clock(ARGV[1])
local out = {}
for _, n in ipairs(redis.call('ZRANGEBYSCORE', K.leases, '-inf', '(' .. num(now), 'LIMIT', 0,
  tonumber(ARGV[2]))) do
  local job = load(n)
  if not job or job.state ~= 'active' then
    redis.call('ZREM', K.leases, n)
  else
    local stalls = job.stalls + 1
    leave(n, job)
    local state = 'waiting'
    if stalls >= job.maxStalls then
      state = 'dead'
      local message = 'The job\'s worker was lost ' .. stalls ..
        ' times (lease expired); maxStalls reached.'
      enter(n, 'dead', { finishedAt = now }, { 'stalls', stalls, 'finishedAt', num(now), 'error',
        cjson.encode({ name = 'StalledError', code = 'STALLED', message = message }) })
      release_key(n, job)
    else
      enter(n, 'waiting', job, { 'stalls', stalls })
    end
    out[#out + 1] = { tonumber(n), job.name, state, stalls }
  end
end
return out
