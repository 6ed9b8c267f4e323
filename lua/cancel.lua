-- cancel.lua: a member gives a ticket (or a hold) back; its seats return to their
-- pool at once. A hold past its pay_by expires instead (answer hold_expired).
--
-- KEYS:   the nine event keys of lib.lua
-- ARGV:   code, member_key (the caller; someone else's ticket is "not_found")
-- Returns {"ok", code, record} | {"unknown_event"} | {"not_found"}
--         {"already_redeemed", code, record} | {"cancelled", code, record}
--         {"hold_expired", code, record}
-- Logs    "cancelled" (code, pool, member, seats).
-- Example: EVALSHA <sha> 7 tg:{park}:meta ... tg:{park}:log 7K2M9QX4T1ZB 3f1c...e2

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local code, member = ARGV[1], ARGV[2]
local record = redis.call('HGET', RES, code)
if not record then return { 'not_found' } end
local r = decode(record)
if r.member ~= member then return { 'not_found' } end
if r.status == 'redeemed' then return { 'already_redeemed', code, record } end
if r.status == 'cancelled' then return { 'cancelled', code, record } end
if r.status == 'expired' then return { 'hold_expired', code, record } end

local seats = tonumber(r.seats)
if not seats then return redis.error_reply('TG_CORRUPT bad seats in ' .. code) end
local now = now_ms()
local late = past_due(r, now)
local from = r.status
-- writes
local tag = 'ok'
if late then
  -- Past its pay_by: the hold expires (its seats go back all the same).
  expire_hold(code, r, now)
  tag = 'hold_expired'
else
  r.status = 'cancelled'
  r.cancelled = int(now)
  redis.call('HSET', RES, code, encode(r))
  redis.call('HINCRBY', STOCK, r.pool, seats)
  redis.call('HINCRBY', CNT, from .. ':' .. r.pool, -seats)
  redis.call('HINCRBY', CNT, 'cancelled:' .. r.pool, seats)
  if from == 'held' then redis.call('ZREM', HOLDS, code) end
  redis.call('XADD', LOG, '*', 'op', 'cancelled', 'code', code, 'pool', r.pool,
             'member', member, 'seats', r.seats, 'at', int(now))
end
return { tag, code, redis.call('HGET', RES, code) }
