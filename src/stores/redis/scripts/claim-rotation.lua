-- claim-rotation: one claim's walk through a queue's group buckets (claim-buckets.lua). A
-- library: the loader puts it after claim-buckets.lua in front of claim.lua and
-- claim-candidates.lua. A bucket gives up to its weight in jobs per turn, and turns go
-- round until the claim is full. Within a bucket, jobs go by priority, due time and enqueue
-- order across its lanes (one per task), skipping tasks that are paused, blocked or at a
-- limit. The walk only picks: claim.lua leases the picks afterwards, so the sets it pages
-- through do not move under it.

-- Picks the bucket's next job that the limits let start: its score, member and task, or nil.
local function next_pick(b)
  while true do
    local lane, score, member = best_lane(b)
    if not lane then return nil end
    local verdict = check_limits(lane.task, b.group)
    if verdict == 'task' then
      held[lane.task] = true
    elseif verdict == 'group' then
      b.excluded[lane.task] = true
    else
      took(lane.task, b.group)
      lane.pos = lane.pos + 2
      return score, member, lane.task
    end
  end
end

-- Picks up to `limit` jobs, turn after turn, from `seq`, the rotation sequence (meta
-- `served`, which the caller read with the paused flag). Returns the picks, the buckets it
-- served (a set) and the sequence's new value. The picks are columns, one entry per job in
-- the order taken: {n = count, score = {...}, member = {...}, task = {...}, group = {...}}
-- (a table per pick cost about a microsecond each).
local function rotate(limit, seq)
  local picks, served = { n = 0, score = {}, member = {}, task = {}, group = {} }, {}
  seq = tonumber(seq or '0')
  lane_chunk = math.min(limit, 100)

  -- Gives bucket b its turn; true when the bucket had its whole turn and has more to give.
  local function serve(b)
    local w, got = weight(b.group), 0
    local want = math.min(math.max(1, w - b.used), limit - picks.n)
    while got < want do
      local score, member, task = next_pick(b)
      if not score then break end
      local i = picks.n + 1
      picks.score[i], picks.member[i], picks.task[i], picks.group[i] = score, member, task, b.group
      picks.n, got = i, got + 1
    end
    if got == 0 then return false end
    served[b], b.used = true, b.used + got
    -- The turn ends when the bucket had its weight or ran dry; a full claim only pauses it.
    if b.used >= w or got < want then
      seq, b.used = seq + 1, 0
      b.served = seq
      return got == want
    end
    return false
  end

  local again = {}
  for b in bucket_source() do
    if picks.n >= limit then break end
    if serve(b) then again[#again + 1] = b end
  end
  -- Later rounds go through the buckets that had a whole turn, in the same order. A round
  -- of one bucket is that bucket's turns in a row (the common case: one group, or none),
  -- served without building a round per turn.
  while #again > 0 and picks.n < limit do
    if #again == 1 then
      local b = again[1]
      while picks.n < limit and serve(b) do end
      break
    end
    local round = again
    again = {}
    for _, b in ipairs(round) do
      if picks.n >= limit then break end
      if serve(b) then again[#again + 1] = b end
    end
  end
  return picks, served, seq
end

-- Stores where the served buckets stand, after the picks were leased (a bucket that ran
-- out of waiting jobs has left `groups` by then, and starts afresh when jobs come back).
local function save_rotation(served, seq)
  -- An empty claim (an idle worker's poll) writes nothing, so it adds nothing to the AOF.
  if next(served) == nil then return end
  redis.call('HSET', K.meta, 'served', num(seq))
  for b in pairs(served) do
    if not left_rotation[b.group] then
      redis.call('ZADD', K.groups, num(b.served), b.group)
      if b.used > 0 then redis.call('HSET', K.turns, b.group, b.used)
      elseif b.mid then redis.call('HDEL', K.turns, b.group) end
    end
  end
end
