-- expire.lua: the sweeper. Expires up to `max` holds past their pay_by (the store's
-- clock), soonest first: their seats go back. Idempotent, so every front end may
-- run it; the scripts that touch a hold also expire it themselves when it is due.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   max
-- Returns {"ok", n} (holds expired) | {"unknown_event"}
-- Logs    one "expired" (code, pool, member, seats) per hold.
-- Example: EVALSHA <sha> 10 tg:{cinema}:meta ... tg:{cinema}:waitq 100

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local now = now_ms()
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
return { 'ok', int(n) }
