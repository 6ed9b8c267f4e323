-- wait.lua: the waiting list (候补). A member whose pools are sold out joins the
-- event's list with ranked pools, seats and a cutoff; seats that come back go to
-- the list first (lib.lua `serve_waiting`), in join order (the store's order of
-- scripts). One entry per member; a member who holds a ticket cannot wait.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   "join", member_key, masked_card, channel (app|station), code (fresh, random:
--         the ticket's code when the entry is served), member_org ("" when a station
--         vouches), seats (1-6), cutoff_ms ("" = the sale's close), groups (";"-joined, as
--         grab.lua's), pool_1 [, pool_2 ...]
--   or    "leave", member_key
-- Returns join:  {"ok", member, entry, ahead} (entry as in lib.lua; ahead: entries
--                before it)
--                {"unknown_event"} | {"unknown_pool", pool} | {"too_many_seats", max_seats}
--                {"not_eligible"} | {"already_holding", code, record}
--                {"already_waiting", member, entry, ahead} | {"closed"} | {"paused"}
--                {"not_open", opens_ms, now_ms} | {"bad_cutoff", closes_ms}
--                {"not_sold_out", pool} (grab it instead) | {"code_taken"}
--                {"lottery_sale"} (a lottery's list is its draw's)
--                {"draw_pending"} (a race's fair window, until its draw is published:
--                its list is made by the draw first)
--         leave: {"ok"} | {"unknown_event"} | {"not_found"}
-- Logs    "waiting" (member, order, seats, pools, cutoff, channel, card, code) on join;
--         "left" (member, reason left|lapsed) when an entry goes; "expired" first
--         when the member's own hold was past its pay_by.
-- Example: EVALSHA <sha> 10 tg:{cinema}:meta ... tg:{cinema}:waitq
--          join 3f1c...e2 "6217 **** **** 1234" app 7K2M9QX4T1ZB bj 1 "" "" show-1 show-2

local err = guard_types()
if err then return err end
local meta = redis.call('HMGET', META, 'org', 'opens', 'closes', 'status', 'max_seats',
                        'l:draw_at', 'l:fair_ms', 'lv:drawn_at')
if not meta[1] then return { 'unknown_event' } end
local now = now_ms()
local action, member = ARGV[1], ARGV[2]
local entry = redis.call('HGET', MEMBER, 'w:' .. member)
local w = entry and decode_wait(entry)

if action == 'leave' then
  if not w then return { 'not_found' } end
  -- writes
  drop_waiting(member, w, now >= tonumber(w.cutoff) and 'lapsed' or 'left', now)
  return { 'ok' }
end
if action ~= 'join' then return redis.error_reply('TG_BAD_ARG unknown action ' .. tostring(action)) end
-- A lottery's waiting list is its draw's losers, in rank order.
if meta[6] and not meta[7] then return { 'lottery_sale' } end

local card, channel, code, org, seats_arg, cutoff = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local seats = tonumber(seats_arg)
local groups = ARGV[9]
local pools = { unpack(ARGV, 10) }
local totals = redis.call('HMGET', TOTAL, unpack(pools))
for i = 1, #pools do
  if not totals[i] then return { 'unknown_pool', pools[i] } end
end
local max_seats = meta[5] or '1'
if seats > tonumber(max_seats) then return { 'too_many_seats', max_seats } end
local event_org = meta[1]
if org ~= '' and org ~= event_org and string.sub(org, 1, #event_org + 1) ~= event_org .. '/' then
  return { 'not_eligible' }
end
-- Kept parts whose time came are released first (lib.lua `release_due`).
release_due(now)

-- Holding and waiting exclude each other. A hold past its pay_by is not held: it
-- expires with this join's writes (as in grab.lua).
local stale, held = nil, redis.call('HGET', MEMBER, member)
if held then
  local record = redis.call('HGET', RES, held)
  if record then
    local r = decode(record)
    if past_due(r, now) then
      stale = r
    elseif r.status == 'held' or r.status == 'active' or r.status == 'redeemed' then
      return { 'already_holding', held, record }
    end
  end
end
local lapsed = w and now >= tonumber(w.cutoff)
if w and not lapsed then
  return { 'already_waiting', member, entry, int(wait_ahead(w.order)) }
end

-- The sale window, as for a grab (src/domain/event.rs `sale_phase`).
local closes = tonumber(meta[3])
if meta[4] == 'closed' or now >= closes then return { 'closed' } end
if meta[4] == 'paused' then return { 'paused' } end
if now < tonumber(meta[2]) then return { 'not_open', meta[2], int(now) } end
if meta[7] and not meta[8] then return { 'draw_pending' } end
local capped = cap_refusal(member, stale and 1 or 0, nil)
if capped then return capped end
if cutoff == '' then cutoff = meta[3] end
if not tonumber(cutoff) or tonumber(cutoff) <= now or tonumber(cutoff) > closes then
  return { 'bad_cutoff', meta[3] }
end

-- Only for what is sold out: a pool with the seats is there to grab.
-- (Where the member may take seats: a kept part of theirs, or the public's.)
local function first_free()
  local stock = redis.call('HMGET', STOCK, unpack(pools))
  return (kept().choose(pools, stock, seats, org, groups))
end
local free = first_free()
if free then return { 'not_sold_out', free } end
if redis.call('HEXISTS', RES, code) == 1 then return { 'code_taken' } end

-- writes
if stale then
  -- Its seats go to the list first; if some are left for this member, they grab.
  expire_hold(held, stale, now)
  free = first_free()
  if free then return { 'not_sold_out', free } end
end
if lapsed then drop_waiting(member, w, 'lapsed', now) end
local order = string.format('%016d', redis.call('HINCRBY', META, 'wseq', 1))
local new = { order = order, seats = seats_arg, cutoff = cutoff, pools = pools, card = card,
              channel = channel, joined = int(now), code = code }
-- The kept parts this member may take from: seats given back to one come to
-- this entry (in its order) before they stay in the part.
local parts = kept().eligible(pools, org, groups)
new.parts = parts
local record = table.concat({ order, seats_arg, cutoff, table.concat(pools, ','), card, channel,
                              int(now), code }, '|')
if #parts > 0 then record = record .. '|' .. table.concat(parts, ',') end
redis.call('HSET', MEMBER, 'w:' .. member, record)
local index = {}
for _, m in ipairs(wait_index(member, new)) do
  index[#index + 1] = 0
  index[#index + 1] = m
end
redis.call('ZADD', WAITQ, unpack(index))
if #parts > 0 then
  redis.call('XADD', LOG, '*', 'op', 'waiting', 'member', member, 'order', order,
             'seats', seats_arg, 'pools', table.concat(pools, ','), 'cutoff', cutoff,
             'channel', channel, 'card', card, 'code', code, 'parts', table.concat(parts, ','),
             'at', int(now))
else
  redis.call('XADD', LOG, '*', 'op', 'waiting', 'member', member, 'order', order,
             'seats', seats_arg, 'pools', table.concat(pools, ','), 'cutoff', cutoff,
             'channel', channel, 'card', card, 'code', code, 'at', int(now))
end
return { 'ok', member, record, int(wait_ahead(order)) }
