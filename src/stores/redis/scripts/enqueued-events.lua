-- enqueued-events: the `enqueued` events of the jobs an enqueue created, appended to the
-- event stream in the same script as the insert. A library: the loader puts it in front of
-- enqueue.lua. The entry must read exactly like one RedisEventStream.publish writes
-- (redis-events.ts): fields "o" (origin) and "e" (a JSON array of events whose keys are in
-- the order the runtime writes them), and the same approximate cap. cjson is not used for
-- the JSON: it does not keep key order, escapes '/', and encodes an empty table as `{}`.

-- Must equal STREAM_LENGTH in redis-events.ts.
local EVENT_STREAM_LENGTH = 500

local JSON_ESCAPES = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n',
  ['\r'] = '\\r', ['\t'] = '\\t',
}

-- A string's characters as JSON.stringify writes them inside quotes (names are valid
-- UTF-8: identifiers.ts refuses the lone surrogates JSON.stringify would escape).
local function json_escape(s)
  if not string.find(s, '[%z\1-\31"\\]') then return s end
  return (string.gsub(s, '[%z\1-\31"\\]', function(c)
    return JSON_ESCAPES[c] or string.format('\\u%04x', string.byte(c))
  end))
end

-- Gathers the events of one queue's new jobs; `add` takes a job number (a string from
-- number_source) and task name, `publish` appends them as one entry, and writes nothing
-- when no job was created. A batch mostly repeats one task name: each name is escaped once.
local function enqueued_events(queue, now)
  local queue_json = json_escape(queue)
  local id_suffix = ':' .. queue_json .. '"'
  local rest = ',"queue":"' .. queue_json .. '","at":' .. num(now) .. '}'
  local names, events = {}, {}
  local function add(n, name)
    local name_json = names[name]
    if not name_json then
      name_json = ',"name":"' .. json_escape(name) .. '"'
      names[name] = name_json
    end
    events[#events + 1] = '{"type":"enqueued","jobId":"' .. n .. id_suffix .. name_json .. rest
  end
  local function publish(stream, origin)
    if #events == 0 then return end
    redis.call('XADD', stream, 'MAXLEN', '~', EVENT_STREAM_LENGTH, '*', 'o', origin,
      'e', '[' .. table.concat(events, ',') .. ']')
  end
  return add, publish
end
