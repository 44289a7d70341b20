-- claim-buckets: what one claim's rotation walks through: the queue's group buckets in
-- turn order, their lanes, and the tasks held back. A library: the loader puts it after
-- lib.lua and claim-limits.lua in front of claim.lua and claim-candidates.lua; the walk
-- itself is claim-rotation.lua.
-- Turn order: a bucket whose turn the last claim cut short goes on first (`turns`: group ->
-- jobs used in its turn); then `groups` in score order: buckets never served, in the order
-- they appeared (negative scores), then the least recently served (scores from meta
-- `served`, a sequence that only grows).

local held = {}
local blocked = {}
-- The earliest end of a block in force, for an idle worker's wake-up.
local unblock_at = nil

-- Reads what holds tasks back in this queue: paused tasks (this queue's copy, see
-- pause-task.lua) and blocks in force (`blocks`: scope -> until).
local function init_rotation(now)
  local paused = redis.call('HGETALL', K.paused_tasks)
  for i = 1, #paused, 2 do
    if string.sub(paused[i + 1], -2) == ':1' then held[paused[i]] = true end
  end
  local b = redis.call('HGETALL', K.blocks)
  for i = 1, #b, 2 do
    local untl = tonumber(b[i + 1])
    if untl > now then
      blocked[b[i]] = true
      if not unblock_at or untl < unblock_at then unblock_at = untl end
    end
  end
end

local function bucket(group, served, used)
  return { group = group, served = served, used = used, excluded = {}, mid = used > 0 }
end

-- The buckets of the first round, one at a time: mid-turn ones, then `groups` page by page.
local function bucket_source()
  local mid, in_mid = {}, {}
  local t = redis.call('HGETALL', K.turns)
  for i = 1, #t, 2 do
    local score = redis.call('ZSCORE', K.groups, t[i])
    if score then
      mid[#mid + 1] = bucket(t[i], tonumber(score), tonumber(t[i + 1]))
      in_mid[t[i]] = true
    end
  end
  table.sort(mid, function(a, b) return a.served < b.served end)
  local m, page, p, at = 0, {}, 1, 0
  return function()
    if m < #mid then
      m = m + 1
      return mid[m]
    end
    while true do
      if p > #page then
        page, p = redis.call('ZRANGE', K.groups, at, at + 99, 'WITHSCORES'), 1
        at = at + 100
        if #page == 0 then return nil end
      end
      local group, score = page[p], tonumber(page[p + 1])
      p = p + 2
      if not in_mid[group] then return bucket(group, score, 0) end
    end
  end
end

-- Jobs read from a lane at a time; claim scripts set it to their limit.
local lane_chunk = 1

-- The lanes of a bucket, read on its first visit: {task, key, blocked, buf (jobs read:
-- member, score, ...), pos (the next of them), at (how many were read)}.
local function lanes_of(b)
  if not b.lanes then
    b.lanes = {}
    for _, task in ipairs(redis.call('SMEMBERS', base .. 'lanes:' .. b.group)) do
      b.lanes[#b.lanes + 1] = { task = task, key = base .. 'lane:' .. scope(task, b.group),
        blocked = blocked[scope(task, '')] or blocked[scope(task, b.group)],
        buf = {}, pos = 1, at = 0 }
    end
  end
  return b.lanes
end

-- A lane's next job not picked yet: its score (as Redis gave it) and member, or nil when it
-- has none left.
local function lane_head(lane)
  if lane.pos > #lane.buf then
    if lane.at < 0 then return nil end
    lane.buf = redis.call('ZRANGE', lane.key, lane.at, lane.at + lane_chunk - 1, 'WITHSCORES')
    lane.pos, lane.at = 1, lane.at + lane_chunk
    if #lane.buf < 2 * lane_chunk then lane.at = -1 end
    if #lane.buf == 0 then return nil end
  end
  return lane.buf[lane.pos + 1], lane.buf[lane.pos]
end

-- The lane whose head comes first in claim order, among tasks that may start, with that
-- head's score and member; or nil. Scores become numbers only to compare two lanes.
local function best_lane(b)
  local best, best_score, best_member = nil, nil, nil
  for _, lane in ipairs(lanes_of(b)) do
    local t = lane.task
    if not (held[t] or b.excluded[t] or lane.blocked) then
      local score, member = lane_head(lane)
      if score then
        if not best then
          best, best_score, best_member = lane, score, member
        else
          local s, bs = tonumber(score), tonumber(best_score)
          if s < bs or (s == bs and member < best_member) then
            best, best_score, best_member = lane, score, member
          end
        end
      end
    end
  end
  return best, best_score, best_member
end
