-- claim-candidates: the jobs one queue would give a claim, in the order it would take them,
-- so a claim over several queues can pick the best across them before it leases (with
-- claim.lua, per queue). It walks the rotation and keeps the limits as claim.lua does.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  limit: how many candidates at most
-- ARGV[3]  the worker's limits by task, as JSON ('' for none)
-- Returns  {candidates, nextDueInMs}: candidates is {member, score, ...} (score -priority;
--          member run time then job number, 16 digits each), empty for a paused queue;
--          nextDueInMs as in claim.lua (-1: none).
-- Atomic: one script; it promotes due scheduled jobs to waiting (the same step claim.lua
-- takes, harmless to repeat) and reads. It leases nothing and moves no rotation: claim.lua
-- walks again when it runs, so a job taken meanwhile is simply not claimed twice.
local now = clock(ARGV[1])
local meta = redis.call('HMGET', K.meta, 'paused', 'served')
if meta[1] then return { {}, -1 } end
promote(now)
init_limits(ARGV[3], now)
init_rotation(now)
local candidates = {}
local picks = rotate(tonumber(ARGV[2]), meta[2])
for i = 1, picks.n do
  candidates[2 * i - 1], candidates[2 * i] = picks.member[i], num(picks.score[i])
end
return { candidates, soonest(now, { unblock_at, rate_room_at }) }
