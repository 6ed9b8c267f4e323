-- cancel.lua: a member gives a ticket back; its seats return to their pool at once.
--
-- KEYS:   the seven event keys of lib.lua
-- ARGV:   code, member_key (the caller; someone else's ticket is "not_found")
-- Returns {"ok", code, record} | {"unknown_event"} | {"not_found"}
--         {"already_redeemed", code, record} | {"cancelled", code, record}
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

local seats = tonumber(r.seats)
if not seats then return redis.error_reply('TG_CORRUPT bad seats in ' .. code) end
local now = now_ms()
r.status = 'cancelled'
r.cancelled = int(now)
record = encode(r)
-- writes
redis.call('HSET', RES, code, record)
redis.call('HINCRBY', STOCK, r.pool, seats)
redis.call('HINCRBY', CNT, 'active:' .. r.pool, -seats)
redis.call('HINCRBY', CNT, 'cancelled:' .. r.pool, seats)
redis.call('XADD', LOG, '*', 'op', 'cancelled', 'code', code, 'pool', r.pool,
           'member', member, 'seats', r.seats, 'at', int(now))
return { 'ok', code, record }
