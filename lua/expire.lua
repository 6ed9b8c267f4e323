-- expire.lua: the sweeper. Expires up to `max` holds past their pay_by (the store's
-- clock), soonest first: their seats go back. Idempotent, so every front end may
-- run it; the scripts that touch a hold also expire it themselves when it is due.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   max
-- Returns {"ok", n} (holds expired and kept parts released) | {"unknown_event"}
-- Logs    "released" (pool, part, seats) per kept part whose time came (lib.lua
--         `release_due`), then one "expired" (code, pool, member, seats) per hold.
-- Example: EVALSHA <sha> 10 tg:{cinema}:meta ... tg:{cinema}:waitq 100

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local now = now_ms()
-- The sweeper's call: kept parts whose time has come are released here too.
local released = release_due(now)
local due = redis.call('ZRANGEBYSCORE', HOLDS, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local records = {}
for i, code in ipairs(due) do
  records[i] = redis.call('HGET', RES, code) or false
end
-- writes
local n = 0
for i, code in ipairs(due) do
  local r = records[i] and decode(records[i])
  if r and r.status == 'held' then
    expire_hold(code, r, now)
    n = n + 1
  else
    redis.call('ZREM', HOLDS, code)
  end
end
return { 'ok', int(n + released) }
