-- cancel: cancels scheduled, waiting and active jobs of one queue. An active job's lease
-- is revoked, so whatever its worker settles later changes nothing.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2..] job numbers
-- Returns   one {previous reported state, task name} per job, or {'', ''} when the job is
--           missing or already finished.
-- Atomic: each job's state check, the lease's revocation and the move are one step.
local now = clock(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local n = ARGV[i]
  local job = load(n)
  if job and (job.state == 'scheduled' or job.state == 'waiting' or job.state == 'active') then
    local previous = reported(job.state, job.runAt, now)
    leave(n, job)
    enter(n, 'cancelled', { finishedAt = now }, { 'finishedAt', num(now) })
    release_key(n, job)
    out[#out + 1] = { previous, job.name }
  else
    out[#out + 1] = { '', '' }
  end
end
return out
