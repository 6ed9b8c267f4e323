-- grab.lua: take a ticket of `seats` seats for a member, all from the first listed
-- pool with that many seats left. On a sale with a payment hold (meta hold_ms > 0)
-- an app's ticket is `held` until pay_by = now + hold_ms (pay.lua makes it active);
-- a station's is active at once (paid at the counter).
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   member_key, masked_card, channel (app|station), code (fresh, random),
--         member_org ("" when a station vouches for the member), seats (1-6),
--         arrived_ms (when the grab reached a front end, by its clock; "" for none),
--         groups (the member's, ";"-joined: which shares they may take; "" for none),
--         pool_1 [, pool_2 ...]
-- Returns {"reserved", code, record}   a new ticket
--         {"existing", code, record}   the member already holds a live ticket (a retry)
--         {"unknown_event"} | {"unknown_pool", pool} | {"too_many_seats", max_seats}
--         {"not_eligible"} | {"closed"} | {"paused"}
--         {"not_open", opens_ms, now_ms} | {"sold_out"} | {"code_taken"}
--         {"lottery_sale"} (the sale is a lottery: its tickets are drawn)
--         {"program_cap", held, cap} (a sale of a program: the member holds its cap of
--         places; lib.lua's KEYS 11)
--         {"registered", "new"|"existing", member, entry}  a race's fair window (meta
--         l:fair_ms), before its draw is published: a grab stamped inside the window
--         (opens <= arrived_ms < opens + l:fair_ms) is a registration in its draw
--         (lottery.lua), as long as the draw has not started; a stamped grab of a
--         member registered already gets the registration back
--         {"draw_pending"} (any other grab of that sale until its draw is published)
-- Logs    "reserved" (code, pool, member, channel, card, seats, and pay_by for a hold);
--         "part" in "reserved" when the seats came from a kept part (a share or an
--         allotment the member may take: lib.lua `kept().choose`), never the group or union;
--         "released" first for kept parts whose time came (lib.lua `release_due`);
--         "expired" first when the member's own hold was past its pay_by (and the
--         waiting list's "assigned" for its seats); "left" (got_ticket) when the member
--         was on the waiting list.
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq
--          3f1c...e2 "6217 **** **** 1234" app 7K2M9QX4T1ZB bj/chaoyang 1 "" "" p1
--
-- The hot path, so every call counts: each key read below is read through
-- `checked` (its type is checked by the read itself), the log is checked by
-- the grab's first write itself, and an active ticket writes no counter: a
-- new ticket takes 9 calls where it took 18 (on a free sale; a hold adds its
-- counter, the hold index and their type checks). A grab that shares a
-- grabs.lua call with others takes 7: the sale's settings and the clock are
-- read, and the settings' numbers parsed, once per call (lib.lua `sale_meta`,
-- `now_ms`). The live totals are neither read nor written: a grab does not
-- depend on them.

local meta = sale_meta()
if not meta[1] then
  return { 'unknown_event' }
end
-- A lottery's tickets are drawn (lottery.lua), never grabbed; a race's fair
-- window (meta[9]) is drawn too, then the race goes on.
if meta[7] and not meta[9] then return { 'lottery_sale' } end
local member, card, channel, code, org = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local event_org = meta[1]
local seats_arg, arrived = ARGV[6], ARGV[7]
local seats = tonumber(seats_arg)
local groups = ARGV[8]
local pools = { unpack(ARGV, 9) }

-- Every pool of the event has a stock field (0 when sold out): one read tells
-- unknown pools and, further down, which pool has the seats.
local stock = checked('HMGET', STOCK, unpack(pools))
for i = 1, #pools do
  if not stock[i] then
    return { 'unknown_pool', pools[i] }
  end
end
local max_seats = meta[5] or '1'
if seats > meta.max_n then return { 'too_many_seats', max_seats } end
if org ~= '' and org ~= event_org and string.sub(org, 1, #event_org + 1) ~= event_org .. '/' then
  return { 'not_eligible' }
end
-- Kept parts whose time came are released first (meta next_rel), their
-- seats to the waiting list first; a sale without parts reads no more.
local now = now_ms()
if meta[12] and now >= tonumber(meta[12]) then
  local err = guard_types()
  if err then return err end
  release_due(now)
  stock = redis.call('HMGET', STOCK, unpack(pools))
end

-- One live ticket per member per event: a repeat grab gets the same ticket back.
-- A hold past its pay_by is not live: it expires with this grab's writes (the
-- sweeper may not have come by yet), and the member grabs anew.
local stale = nil
local mine = checked('HMGET', MEMBER, member, 'w:' .. member)
local held, waiting = mine[1], mine[2]
-- The fair window's registrations, until its draw is published (meta[11]).
local fair = meta[9] and not meta[11]
if fair and arrived ~= '' then
  local entry = checked('HGET', MEMBER, 'e:' .. member)
  if entry then return { 'registered', 'existing', member, entry } end
end
if held then
  local record = checked('HGET', RES, held)
  if record then
    local r = decode(record)
    if past_due(r, now) then
      stale = r
    elseif r.status == 'active' or r.status == 'held' or r.status == 'redeemed' then
      return { 'existing', held, record }
    end
  end
end

-- The sale window, in the precedence of src/domain/event.rs `sale_phase`:
-- closed by staff, then past closes_at, then paused, then not yet open.
if meta[4] == 'closed' or now >= meta.closes_n then return { 'closed' } end
if meta[4] == 'paused' then return { 'paused' } end
if now < meta.opens_n then return { 'not_open', meta[2], int(now) } end
-- The fair window: a registration (written below), or wait for the draw.
if fair then
  local at = tonumber(arrived)
  if meta[10] or not at or at < meta.opens_n or at >= meta.opens_n + tonumber(meta[9]) then
    return { 'draw_pending' }
  end
end
-- A program's cap (its sales only): a stale hold of the member's is given back first.
if PLACES then
  local refused = cap_refusal(member, stale and 1 or 0, meta[8])
  if refused then return refused end
end

-- Parts not yet released (meta next_rel): the member's may be theirs to take.
local pool, part = nil, nil
if meta[12] then
  pool, part = kept().choose(pools, stock, seats, org, groups)
else
  for i = 1, #pools do
    if tonumber(stock[i]) >= seats then
      pool = pools[i]
      break
    end
  end
end
-- A registration takes no seat (its draw gives them), so needs none free.
if not pool and not fair then return { 'sold_out' } end
if not fair and checked('HEXISTS', RES, code) == 1 then return { 'code_taken' } end
-- A priced sale holds every new ticket until it is paid: in the app, or at
-- the station's counter, which pays it at once (src/http/station.rs).
local hold_ms = meta.hold_n
-- A plain grab writes only keys it has read (their types checked by the reads)
-- and the log, whose type its first own write checks (below): an active
-- ticket writes no counter (lib.lua `count_seats`). A hold, an expired hold
-- of the member's, or a member on the waiting list touch more keys.
if hold_ms > 0 or stale or waiting or fair then
  local err = guard_types(CNT, LOG, HOLDS, PAYS, WAITQ, PLACES)
  if err then return err end
end

local status, pay_by = 'active', ''
if hold_ms > 0 then status, pay_by = 'held', int(now + hold_ms) end
-- writes
if fair then
  return { 'registered', 'new', member, write_entry(member, card, channel, seats_arg, pools, now) }
end
if stale then
  -- The expired seats go to the waiting list first, which may take more than
  -- they were: choose again. (The expiry stands on its own even if none is left.)
  expire_hold(held, stale, now)
  stock = redis.call('HMGET', STOCK, unpack(pools))
  if meta[12] then
    pool, part = kept().choose(pools, stock, seats, org, groups)
  else
    pool, part = nil, nil
    for i = 1, #pools do
      if tonumber(stock[i]) >= seats then
        pool = pools[i]
        break
      end
    end
  end
  if not pool then return { 'sold_out' } end
end
-- A member who gets a ticket leaves the waiting list.
if waiting then drop_waiting(member, decode_wait(waiting), 'got_ticket', now) end
-- The record as lib.lua's `encode` writes it, in one concatenation (no table).
local now_s = int(now)
local record = pool .. '|' .. status .. '|' .. channel .. '|' .. member .. '|' .. card .. '|'
  .. now_s .. '||' .. '|' .. seats_arg .. '|' .. pay_by
if part then record = record .. '|' .. part end
-- The log entry is the grab's first own write, and checks the log's type itself:
-- on a plain grab nothing is written before it, so a log of the wrong type
-- fails the grab whole (one TYPE call fewer on the hot path).
local logged
if part then
  logged = redis.pcall('XADD', LOG, '*', 'op', 'reserved', 'code', code, 'pool', pool,
                       'member', member, 'channel', channel, 'card', card, 'seats', seats_arg,
                       'part', part, 'pay_by', pay_by, 'at', now_s)
elseif hold_ms > 0 then
  logged = redis.pcall('XADD', LOG, '*', 'op', 'reserved', 'code', code, 'pool', pool,
                       'member', member, 'channel', channel, 'card', card, 'seats', seats_arg,
                       'pay_by', pay_by, 'at', now_s)
else
  logged = redis.pcall('XADD', LOG, '*', 'op', 'reserved', 'code', code, 'pool', pool,
                       'member', member, 'channel', channel, 'card', card, 'seats', seats_arg,
                       'at', now_s)
end
if type(logged) == 'table' and logged.err then
  return redis.error_reply('TG_CORRUPT ' .. LOG .. ': ' .. logged.err)
end
redis.call('HINCRBY', STOCK, pool, -seats)
if part then redis.call('HINCRBY', STOCK, pool .. '#' .. part, -seats) end
count_seats(status, pool, seats)
redis.call('HSET', RES, code, record)
redis.call('HSET', MEMBER, member, code)
if hold_ms > 0 then redis.call('ZADD', HOLDS, pay_by, code) end
if PLACES then add_place(member, 1) end
return { 'reserved', code, record }
