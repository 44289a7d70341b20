-- counts: one queue's jobs by reported state.
-- KEYS[1]  the queue's key base (lib.lua)
-- ARGV[1]  now in ms, or '' for the server clock (scheduled jobs already due count as waiting)
-- Returns  {scheduled, waiting, active, completed, dead, cancelled}.
-- Atomic: one script, so the counts are of one moment.
local now = num(clock(ARGV[1]))
local due_now = redis.call('ZCOUNT', K.due, '-inf', now)
return {
  redis.call('ZCOUNT', K.due, '(' .. now, '+inf'),
  tonumber(redis.call('HGET', K.meta, 'waiting') or '0') + due_now,
  redis.call('ZCARD', K.leases),
  redis.call('ZCARD', K.completed),
  redis.call('ZCARD', K.dead),
  redis.call('ZCARD', K.cancelled),
}
