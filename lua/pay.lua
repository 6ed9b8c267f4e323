-- pay.lua: a payment provider's notification that a ticket was paid for.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   code, payment_id (the provider's), amount (fen)
-- Returns {"ok", "paid"|"refund_due", code, record} (the same again for a repeat of
--         the same notification) | {"unknown_event"} | {"not_found"}
--         {"payment_mismatch", due} (amount is not price x seats; nothing changes)
--         {"payment_conflict"} (the payment id was used with another code or amount)
-- A hold paid before its pay_by becomes active. Paid later (expired, or past pay_by
-- and expired here first, its seats offered to the waiting list): active again if
-- the member holds no other ticket, is not waiting, and its pool has the seats,
-- else refund_due. A cancelled or already paid ticket:
-- refund_due.
-- Logs    "paid" (code, pool, member, seats, payment, amount, late) or
--         "refund_due" (code, payment, amount); "expired" first for a hold past pay_by.
-- Example: EVALSHA <sha> 10 tg:{cinema}:meta ... tg:{cinema}:waitq 7K2M9QX4T1ZB wx-4200012 500

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local code, payment, amount = ARGV[1], ARGV[2], ARGV[3]
local prior = redis.call('HGET', PAYS, payment)
if prior then
  local p_code, p_amount, p_outcome = string.match(prior, '^([^|]*)|([^|]*)|([^|]*)$')
  if p_code ~= code or p_amount ~= amount then return { 'payment_conflict' } end
  return { 'ok', p_outcome, code, redis.call('HGET', RES, code) }
end
local record = redis.call('HGET', RES, code)
if not record then return { 'not_found' } end
local r = decode(record)
local seats = tonumber(r.seats)
if not seats then return redis.error_reply('TG_CORRUPT bad seats in ' .. code) end
local due = tonumber(redis.call('HGET', META, 'price')) * seats
if tonumber(amount) ~= due then return { 'payment_mismatch', int(due) } end

local now = now_ms()
local expire_first = past_due(r, now)
-- writes
release_due(now)
-- A hold past its pay_by expires first: its seats go to the waiting list, and the
-- payment then finds seats or not like any late one.
if expire_first then expire_hold(code, r, now) end
local outcome, late = 'refund_due', false
if r.status == 'held' then
  outcome = 'paid'
elseif r.status == 'expired' then
  -- A late payment takes the public's seats (its own may have gone back to a
  -- kept part: that part's seats stay kept).
  local free = kept().public_free(r.pool, nil)
  local mine = redis.call('HMGET', MEMBER, r.member, 'w:' .. r.member)
  if mine[1] == code and not mine[2] and free >= seats and not cap_refusal(r.member, 0, nil) then
    outcome, late = 'paid', true
  end
end
if outcome == 'paid' then
  local from = late and 'expired' or 'held'
  r.status = 'active'
  r.cancelled = ''
  if late then r.part = '' end
  redis.call('HSET', RES, code, encode(r))
  if late then
    redis.call('HINCRBY', STOCK, r.pool, -seats)
    add_place(r.member, 1)
  else
    redis.call('ZREM', HOLDS, code)
  end
  count_seats(from, r.pool, -seats)
  count_seats('active', r.pool, seats)
  redis.call('HSET', PAYS, 'c:' .. code, payment)
  redis.call('XADD', LOG, '*', 'op', 'paid', 'code', code, 'pool', r.pool, 'member', r.member,
             'seats', r.seats, 'payment', payment, 'amount', amount, 'late', late and '1' or '0',
             'at', int(now))
else
  redis.call('XADD', LOG, '*', 'op', 'refund_due', 'code', code, 'payment', payment,
             'amount', amount, 'at', int(now))
end
redis.call('HSET', PAYS, payment, code .. '|' .. amount .. '|' .. outcome)
return { 'ok', outcome, code, redis.call('HGET', RES, code) }
