-- cancel.lua: a member gives a ticket (or a hold) back; its seats return at once,
-- to the waiting list first (lib.lua `serve_waiting`), then to the pool. A hold past
-- its pay_by expires instead (answer hold_expired).
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   code, member_key (the caller; someone else's ticket is "not_found")
-- Returns {"ok", code, record} | {"unknown_event"} | {"not_found"}
--         {"already_redeemed", code, record} | {"cancelled", code, record}
--         {"hold_expired", code, record} | {"no_show", code, record} (released unused)
-- Logs    "cancelled" (code, pool, member, seats), "refund_due" (code, payment, amount)
--         when a payment had paid it, then the waiting list's "assigned".
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq 7K2M9QX4T1ZB 3f1c...e2

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
if r.status == 'no_show' then return { 'no_show', code, record } end

local seats = tonumber(r.seats)
if not seats then return redis.error_reply('TG_CORRUPT bad seats in ' .. code) end
local now = now_ms()
local late = past_due(r, now)
local from = r.status
-- writes
local tag = 'ok'
release_due(now)
if late then
  -- Past its pay_by: the hold expires (its seats go back all the same).
  expire_hold(code, r, now)
  tag = 'hold_expired'
else
  r.status = 'cancelled'
  r.cancelled = int(now)
  redis.call('HSET', RES, code, encode(r))
  give_back(r.pool, r.part, seats)
  count_seats(from, r.pool, -seats)
  count_seats('cancelled', r.pool, seats)
  if from == 'held' then redis.call('ZREM', HOLDS, code) end
  add_place(member, -1)
  redis.call('XADD', LOG, '*', 'op', 'cancelled', 'code', code, 'pool', r.pool,
             'member', member, 'seats', r.seats, 'at', int(now))
  -- A paid ticket given back: its payment is due back to the member.
  local payment = from == 'active' and redis.call('HGET', PAYS, 'c:' .. code)
  if payment then
    local paid = redis.call('HGET', PAYS, payment) or ''
    local amount = string.match(paid, '^[^|]*|([^|]*)|') or '0'
    redis.call('XADD', LOG, '*', 'op', 'refund_due', 'code', code, 'payment', payment,
               'amount', amount, 'at', int(now))
  end
  serve_part(r.pool, r.part, now)
  serve_waiting(r.pool, now)
end
return { tag, code, redis.call('HGET', RES, code) }
