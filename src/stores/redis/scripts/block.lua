-- block: keeps claims from starting a task's jobs (or one group's) until a later time,
-- after an upstream rate limit; an existing later block stays.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock
-- ARGV[2]  the task's name
-- ARGV[3]  the group to block, or '' for the whole task
-- ARGV[4]  delayMs: blocked until now + delayMs
-- Returns  the block's end.
-- Blocks live in `blocks` (hash: scope -> until), read by every claim of the queue. Blocks
-- that have ended are dropped here, which is rare, so the hash stays small.
-- Atomic: one script, so of two blocks given at once the later end stays.
local now = clock(ARGV[1])
local field = scope(ARGV[2], ARGV[3])
local untl = now + tonumber(ARGV[4])
local all = redis.call('HGETALL', K.blocks)
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', K.blocks, all[i]) end
end
local current = tonumber(redis.call('HGET', K.blocks, field) or '0')
if current > untl then return num(current) end
redis.call('HSET', K.blocks, field, num(untl))
return num(untl)
