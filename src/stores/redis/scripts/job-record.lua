-- job-record: a job as get and list return it. A library: the loader puts it after lib.lua
-- and job-states.lua in front of get.lua and list.lua.

-- One job for get and list: {n, flat hash fields, log lines, reported state}, or {} when missing.
local function record(n, now)
  local flat = redis.call('HGETALL', job_key(n))
  if #flat == 0 then return {} end
  local state, run_at
  for i = 1, #flat, 2 do
    if flat[i] == 'state' then state = flat[i + 1] elseif flat[i] == 'runAt' then run_at = flat[i + 1] end
  end
  return { tonumber(n), flat, redis.call('LRANGE', logs_key(n), 0, -1), reported(state, run_at, now) }
end
