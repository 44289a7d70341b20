-- job-numbers: numbers for new jobs. A library: the loader puts it after lib.lua and
-- job-states.lua in front of the scripts that create jobs (enqueue, fire-schedule, insert-raw).

-- Job numbers for new jobs of this queue: the server's time in microseconds, or one more
-- than the last number when that is larger. Numbers rise within a queue, and across
-- queues on one server they follow insertion order, which is what `list` sorts by.
-- Returns a function giving the next number; `save_numbers` records the last one given.
local last_number = nil
local function number_source()
  local t = server_time()
  local next_n = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]),
    tonumber(redis.call('HGET', K.meta, 'last') or '0') + 1)
  return function()
    last_number = num(next_n)
    next_n = next_n + 1
    return last_number
  end
end
local function save_numbers()
  if last_number then redis.call('HSET', K.meta, 'last', last_number) end
end
