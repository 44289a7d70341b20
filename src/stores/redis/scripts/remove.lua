-- remove: deletes jobs of one queue in any state, with their logs and key.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1..] job numbers
-- Returns   one 1 (deleted) or 0 (no such job) per number.
-- Atomic: each job leaves every set and its hash in one step; an active job's worker
-- then finds no lease, so its settle changes nothing.
local out = {}
for i = 1, #ARGV do
  local n = ARGV[i]
  local job = load(n)
  if job then
    drop(n, job)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
