-- enqueue: inserts a batch of new jobs into one queue.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock
-- ARGV[2]   the queue's name, stored on each job
-- ARGV[3..] nine per job: name, data (JSON), priority, runAt ('' = now + delayMs),
--           delayMs, attempts, maxStalls, key ('' = none), group ('' = none)
-- Returns   one {n, created (1|0), state} per job, in input order. A job whose key a live
--           job of the queue holds is not inserted: the holder's number comes back with 0.
-- Atomic: one script, so the batch is written whole, and no other client runs between a
-- key's check and the insert that takes it (a later job of the same batch finds it too).
local now = clock(ARGV[1])
local queue = ARGV[2]
local next_number = number_source()
local out = {}
for i = 3, #ARGV, 9 do
  local key, group = ARGV[i + 7], ARGV[i + 8]
  local held = key ~= '' and redis.call('HGET', K.keys, key)
  if held then
    local f = redis.call('HMGET', job_key(held), 'state', 'runAt')
    out[#out + 1] = { tonumber(held), 0, reported(f[1], f[2], now) }
  else
    local n = next_number()
    local run_at = now + tonumber(ARGV[i + 4])
    if ARGV[i + 3] ~= '' then run_at = tonumber(ARGV[i + 3]) end
    local fields = { 'name', ARGV[i], 'queue', queue, 'data', ARGV[i + 1], 'priority', ARGV[i + 2],
      'attempt', 0, 'attempts', ARGV[i + 5], 'stalls', 0, 'maxStalls', ARGV[i + 6],
      'createdAt', num(now), 'runAt', num(run_at) }
    if key ~= '' then
      fields[#fields + 1] = 'key'
      fields[#fields + 1] = key
      redis.call('HSET', K.keys, key, n)
    end
    if group ~= '' then
      fields[#fields + 1] = 'group'
      fields[#fields + 1] = group
    end
    redis.call('ZADD', K.all, n, n)
    local state = 'waiting'
    if run_at > now then state = 'scheduled' end
    enter(n, state, { priority = ARGV[i + 2], runAt = run_at }, fields)
    out[#out + 1] = { tonumber(n), 1, state }
  end
end
save_numbers()
return out
