-- claim-candidates: the first jobs one queue would give a claim, so a claim over several
-- queues can pick the best across them before it leases (with claim.lua, per queue).
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  limit: how many candidates at most
-- Returns  {candidates, nextDueInMs}: candidates is {score, member, ...} of the waiting set
--          (score -priority; member run time then job number, 16 digits each) in claim
--          order, empty for a paused queue; nextDueInMs as in claim.lua (-1: none).
-- Atomic: one script; it promotes due scheduled jobs to waiting (the same step claim.lua
-- takes, harmless to repeat) and reads the waiting set. It leases nothing: claim.lua
-- re-reads the set when it runs, so a job taken meanwhile is simply not claimed twice.
local now = clock(ARGV[1])
if redis.call('HGET', K.meta, 'paused') then return { {}, -1 } end
promote(now)
local candidates = redis.call('ZRANGE', K.waiting, 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
return { candidates, next_due_in(now) }
