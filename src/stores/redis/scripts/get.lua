-- get: reads jobs of one queue by number.
-- KEYS[1]   the queue's key base (lib.lua)
-- ARGV[1]   now in ms, or '' for the server clock (tells waiting from scheduled)
-- ARGV[2..] job numbers
-- Returns   one record per number, in order: {n, hash fields as a flat list, log lines,
--           reported state}, or {} for a missing job.
-- Atomic: one script, so each record is read whole, never half-way through a transition.
local now = clock(ARGV[1])
local out = {}
for i = 2, #ARGV do out[#out + 1] = record(ARGV[i], now) end
return out
