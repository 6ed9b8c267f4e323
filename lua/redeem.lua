-- redeem.lua: a station marks a ticket as used, found by its code or its member.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   by ("code"|"member"), value (the code or the member key)
-- Returns {"ok", code, record} | {"unknown_event"} | {"not_found"}
--         {"already_redeemed", code, record} (record keeps the first redeemed time)
--         {"cancelled", code, record} | {"no_show", code, record} (released unused) | {"not_paid", code, record} (a hold before pay_by)
--         {"hold_expired", code, record} (expired, or a hold past pay_by: expired here)
-- Logs    "redeemed" (code, pool, member, seats). All the ticket's seats are used at once.
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq code 7K2M9QX4T1ZB

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local code = ARGV[2]
if ARGV[1] == 'member' then
  code = redis.call('HGET', MEMBER, ARGV[2])
  if not code then return { 'not_found' } end
end
local record = redis.call('HGET', RES, code)
if not record then return { 'not_found' } end
local r = decode(record)
if r.status == 'redeemed' then return { 'already_redeemed', code, record } end
if r.status == 'cancelled' then return { 'cancelled', code, record } end
if r.status == 'expired' then return { 'hold_expired', code, record } end
if r.status == 'no_show' then return { 'no_show', code, record } end

local seats = tonumber(r.seats)
if not seats then return redis.error_reply('TG_CORRUPT bad seats in ' .. code) end
local now = now_ms()
if r.status == 'held' and not past_due(r, now) then return { 'not_paid', code, record } end
-- writes
local tag = 'ok'
if r.status == 'held' then
  -- Past its pay_by and not paid: it expires here, whatever the sweeper did.
  expire_hold(code, r, now)
  tag = 'hold_expired'
else
  r.status = 'redeemed'
  r.redeemed = int(now)
  redis.call('HSET', RES, code, encode(r))
  count_seats('active', r.pool, -seats)
  count_seats('redeemed', r.pool, seats)
  redis.call('XADD', LOG, '*', 'op', 'redeemed', 'code', code, 'pool', r.pool,
             'member', r.member, 'seats', r.seats, 'at', int(now))
end
return { tag, code, redis.call('HGET', RES, code) }
