-- lottery.lua: a lottery sale (抽签). During the registration window (the sale's
-- opens..closes) members enter once, with ranked pools and seats; after the close
-- staff enter the public random value; at draw_at the service draws in Rust from the
-- entries (src/lottery/run.rs) and writes the results here in batches, each batch
-- one call of this script keyed by the draw's id. Every action checks everything
-- before its first write.
--
-- Stored: meta l:draw_at, l:public_source, l:seed (the rules, at creation; see
-- src/domain/lottery.rs) and lv:public_value, lv:draw (the draw's id), lv:stock
-- ("pool:n,..." when the draw started), lv:lease ("owner|until_ms"), lv:written,
-- lv:drawn_at, lv:digest, lv:draw_seed; member "e:" .. member -> the entry
-- "pools|seats|card|channel|entered|rank|won" (rank and won empty until drawn);
-- cnt entries (all) and entries:<pool> (entries that rank the pool).
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   "enter", member_key, masked_card, channel, member_org ("" when a station
--                  vouches), seats, pool_1 [, pool_2 ...]
--         "withdraw", member_key
--         "public_value", value
--         "begin", draw_id, owner, lease_ms
--         "write", draw_id, owner, lease_ms, then per entry: member, rank, pool won
--                  ("" for none: onto the waiting list at order = rank), code, and
--                  the entry as read: its record unranked, seats, pools, card, channel
--         "finish", draw_id, owner, entries_digest, draw_seed
-- Returns enter:        {"ok", "new"|"existing", member, entry} | {"unknown_event"}
--                       {"not_lottery"} | {"unknown_pool", pool} | {"too_many_seats", max}
--                       {"not_eligible"} | {"closed"} | {"paused"} | {"not_open", opens, now}
--         withdraw:     {"ok"} | {"not_found"} | {"closed"} | {"paused"} | {"not_open", ...}
--         public_value: {"ok"} | {"draw_not_due", "registration_open"}
--                       {"public_value_set", value}
--         begin:        {"ok", draw_id, stock, entries, done ("1"|"0")}
--                       {"draw_not_due", "before_draw_at"|"no_public_value"} | {"draw_running"}
--         write:        {"ok", written} | {"draw_running"}
--         finish:       {"ok"} | {"draw_running"}
-- Logs    "entered", "withdrawn", "public_value", "draw_begun" (draw, stock, owner, until) at each start, per drawn
--         entry "won" (a reservation, like "reserved", with its rank) or "drawn" (onto
--         the waiting list at order = rank: member, order, code; the rest is the
--         entry's), and "draw_done" (digest, draw_seed), then the waiting list's
--         "assigned" for seats given back while the draw was written.
-- A race's fair window (meta l:fair_ms, src/domain/lottery.rs) is drawn here too: its
-- registrations are made by grab.lua (arrival inside the window), its registration
-- closes at opens + l:fair_ms, it has no public value ("public_value" answers
-- {"not_lottery"}, "begin" needs none), and its losers wait until the race closes.
-- Example: EVALSHA <sha> 10 tg:{theatre}:meta ... tg:{theatre}:waitq
--          enter 3f1c...e2 "6217 **** **** 1234" app bj/dongcheng 2 show-3 show-5

local err = guard_types()
if err then return err end
local meta = redis.call('HMGET', META, 'org', 'opens', 'closes', 'status', 'max_seats',
                        'l:draw_at', 'lv:draw', 'lv:drawn_at', 'lv:public_value', 'lv:lease',
                        'hold_ms', 'd:starts_at', 'l:fair_ms')
if not meta[1] then return { 'unknown_event' } end
if not meta[6] then return { 'not_lottery' } end
-- A race's fair window (meta[13]): registered through grab.lua, drawn with no
-- public value; its registration closes at the window's end.
local fair = meta[13]
local now = now_ms()
local action = ARGV[1]
local ACTIONS = { enter = 1, withdraw = 1, public_value = 1, begin = 1, write = 1, finish = 1 }
if not ACTIONS[action] then
  return redis.error_reply('TG_BAD_ARG unknown action ' .. tostring(action))
end

-- The sale window's refusal (src/domain/event.rs `sale_phase`), or nil.
local function window()
  local closes = tonumber(meta[3])
  if fair then closes = tonumber(meta[2]) + tonumber(fair) end
  if meta[4] == 'closed' or now >= closes then return { 'closed' } end
  if meta[4] == 'paused' then return { 'paused' } end
  if now < tonumber(meta[2]) then return { 'not_open', meta[2], int(now) } end
  if meta[7] then return { 'closed' } end
  return nil
end

local function decode_entry(s)
  local f = {}
  for part in string.gmatch(s .. '|', '([^|]*)|') do
    f[#f + 1] = part
  end
  local pools = {}
  for pool in string.gmatch(f[1], '[^,]+') do
    pools[#pools + 1] = pool
  end
  return { pools = pools, seats = f[2], card = f[3], channel = f[4], entered = f[5],
           rank = f[6], won = f[7] }
end

-- The lease is free for `owner`: theirs, nobody's, or run out.
local function lease_free(owner)
  if not meta[10] then return true end
  local holder, until_ms = string.match(meta[10], '^(.*)|(%d+)$')
  return holder == owner or now >= tonumber(until_ms)
end

-- write and finish: the draw in force (ARGV[2]), and the lease the caller's (ARGV[3]).
local function drawer_ok()
  return meta[7] == ARGV[2] and lease_free(ARGV[3])
end

-- begin's answer: the draw in force, its stock, the entries, whether published.
local function begun(done)
  local state = redis.call('HMGET', META, 'lv:draw', 'lv:stock')
  return { 'ok', state[1] or '', state[2] or '', redis.call('HGET', CNT, 'entries') or '0', done }
end

if action == 'enter' then
  local member, card, channel, org, seats_arg = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local pools = { unpack(ARGV, 7) }
  local totals = redis.call('HMGET', TOTAL, unpack(pools))
  for i = 1, #pools do
    if not totals[i] then return { 'unknown_pool', pools[i] } end
  end
  local max_seats = meta[5] or '1'
  if tonumber(seats_arg) > tonumber(max_seats) then return { 'too_many_seats', max_seats } end
  local event_org = meta[1]
  if org ~= '' and org ~= event_org and string.sub(org, 1, #event_org + 1) ~= event_org .. '/' then
    return { 'not_eligible' }
  end
  local existing = redis.call('HGET', MEMBER, 'e:' .. member)
  if existing then return { 'ok', 'existing', member, existing } end
  local refused = window() or cap_refusal(member, 0, nil)
  if refused then return refused end
  -- writes
  return { 'ok', 'new', member, write_entry(member, card, channel, seats_arg, pools, now) }
end

if action == 'withdraw' then
  local member = ARGV[2]
  local existing = redis.call('HGET', MEMBER, 'e:' .. member)
  if not existing then return { 'not_found' } end
  local refused = window()
  if refused then return refused end
  -- writes
  redis.call('HDEL', MEMBER, 'e:' .. member)
  add_place(member, -1)
  redis.call('HINCRBY', CNT, 'entries', -1)
  for _, pool in ipairs(decode_entry(existing).pools) do
    redis.call('HINCRBY', CNT, 'entries:' .. pool, -1)
  end
  redis.call('XADD', LOG, '*', 'op', 'withdrawn', 'member', member, 'at', int(now))
  return { 'ok' }
end

if action == 'public_value' then
  if fair then return { 'not_lottery' } end
  local value = ARGV[2]
  if meta[4] ~= 'closed' and now < tonumber(meta[3]) then
    return { 'draw_not_due', 'registration_open' }
  end
  if meta[9] then
    if meta[9] == value then return { 'ok' } end
    return { 'public_value_set', meta[9] }
  end
  -- writes
  redis.call('HSET', META, 'lv:public_value', value)
  redis.call('XADD', LOG, '*', 'op', 'public_value', 'value', value, 'at', int(now))
  return { 'ok' }
end

if action == 'begin' then
  local draw_id, owner, lease_ms = ARGV[2], ARGV[3], tonumber(ARGV[4])
  if meta[8] then return begun('1') end
  if now < tonumber(meta[6]) then return { 'draw_not_due', 'before_draw_at' } end
  if not meta[9] and not fair then return { 'draw_not_due', 'no_public_value' } end
  if not lease_free(owner) then return { 'draw_running' } end
  -- writes
  if not meta[7] then
    local pools, stock = {}, {}
    for pool in string.gmatch(redis.call('HGET', META, 'pools'), '[^,]+') do
      pools[#pools + 1] = pool
    end
    local left = redis.call('HMGET', STOCK, unpack(pools))
    for i = 1, #pools do stock[i] = pools[i] .. ':' .. (left[i] or '0') end
    redis.call('HSET', META, 'lv:draw', draw_id, 'lv:stock', table.concat(stock, ','),
               'lv:written', 0)
  end
  local until_ms = int(now + lease_ms)
  redis.call('HSET', META, 'lv:lease', owner .. '|' .. until_ms)
  local state = redis.call('HMGET', META, 'lv:draw', 'lv:stock')
  redis.call('XADD', LOG, '*', 'op', 'draw_begun', 'draw', state[1], 'stock', state[2],
             'owner', owner, 'until', until_ms, 'at', int(now))
  return begun('0')
end

if action == 'write' then
  if not drawer_ok() then return { 'draw_running' } end
  local owner, lease_ms = ARGV[3], tonumber(ARGV[4])
  if meta[8] then return { 'ok', '0' } end
  -- Per entry, 9 arguments from ARGV[5]: member, rank, pool won, code, then the
  -- entry as the draw read it: its record unranked, seats, pools, card, channel.
  -- The fields are the record's own (checked below), so the script need not
  -- decode them: the draw writes 200,000 results at ~50 us of Redis each.
  local fields = {}
  for i = 5, #ARGV, 9 do fields[#fields + 1] = 'e:' .. ARGV[i] end
  local stored = redis.call('HMGET', MEMBER, unpack(fields))
  -- Every check first: each entry is the one drawn, and the seats won fit.
  local todo, need = {}, {}
  for k = 1, #fields do
    local i = 5 + (k - 1) * 9
    local record = ARGV[i + 4]
    local head = table.concat({ ARGV[i + 6], ARGV[i + 5], ARGV[i + 7], ARGV[i + 8] }, '|') .. '|'
    local unranked = string.sub(record, 1, #record - 2)
    if not stored[k] or string.sub(record, -2) ~= '||' or string.sub(record, 1, #head) ~= head
       or string.sub(stored[k], 1, #unranked + 1) ~= unranked .. '|' then
      return redis.error_reply('TG_CORRUPT the entry of ' .. ARGV[i] .. ' is not the one drawn')
    end
    -- The same record unranked: not written yet (else written before: skipped).
    if stored[k] == record then
      todo[#todo + 1] = i
      local won = ARGV[i + 2]
      if won ~= '' then need[won] = (need[won] or 0) + tonumber(ARGV[i + 5]) end
    end
  end
  for pool, n in pairs(need) do
    local left = tonumber(redis.call('HGET', STOCK, pool) or '-1')
    if left < n then
      return redis.error_reply('TG_CORRUPT the draw gives ' .. n .. ' seats of ' .. pool ..
                               ', which has ' .. left)
    end
  end
  -- The waiting list of a drawn lottery lasts until the show starts, else 30
  -- days after the draw (src/domain/lottery.rs `waiting_cutoff`).
  local draw_at = tonumber(meta[6])
  local cutoff = draw_at + 30 * 24 * 3600 * 1000
  if meta[12] and tonumber(meta[12]) > draw_at then cutoff = tonumber(meta[12]) end
  -- A fair window's, until the race closes (`Event::drawn_waiting_cutoff`).
  if fair then cutoff = tonumber(meta[3]) end
  cutoff = int(cutoff)
  local hold_ms = tonumber(meta[11] or '0')
  local at = int(now)
  -- writes
  redis.call('HSET', META, 'lv:lease', owner .. '|' .. int(now + lease_ms))
  for _, i in ipairs(todo) do
    local member, rank, won = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local record, seats, pools, card, channel = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6],
                                                  ARGV[i + 7], ARGV[i + 8]
    local ranked = string.sub(record, 1, #record - 1) .. rank .. '|' .. won
    local code = free_code(ARGV[i + 3])
    if won ~= '' then
      local status, pay_by = 'active', ''
      if hold_ms > 0 then status, pay_by = 'held', int(now + hold_ms) end
      redis.call('HSET', MEMBER, 'e:' .. member, ranked, member, code)
      redis.call('HINCRBY', STOCK, won, -tonumber(seats))
      count_seats(status, won, tonumber(seats))
      redis.call('HSET', RES, code, encode({ pool = won, status = status, channel = channel,
        member = member, card = card, created = at, redeemed = '', cancelled = '',
        seats = seats, pay_by = pay_by }))
      if pay_by ~= '' then redis.call('ZADD', HOLDS, pay_by, code) end
      redis.call('XADD', LOG, '*', 'op', 'won', 'code', code, 'pool', won, 'member', member,
                 'channel', channel, 'card', card, 'seats', seats, 'pay_by', pay_by,
                 'rank', rank, 'at', at)
    else
      local order = string.format('%016d', tonumber(rank))
      redis.call('HSET', MEMBER, 'e:' .. member, ranked, 'w:' .. member,
                 table.concat({ order, seats, cutoff, pools, card, channel, at, code }, '|'))
      -- The list's index (lib.lua `wait_index`), built here without a table per entry.
      -- Scores as strings: a Lua number would be formatted as a float first.
      local index = { '0', 'q|' .. order .. '|' .. member }
      for pool in string.gmatch(pools, '[^,]+') do
        index[#index + 1] = '0'
        index[#index + 1] = 'p|' .. pool .. '|' .. seats .. '|' .. order .. '|' .. member
      end
      redis.call('ZADD', WAITQ, unpack(index))
      -- Drawn without seats: the entry's place under a program's cap is given back.
      add_place(member, -1)
      -- The compact "waiting" of a draw: the rest is the entry's.
      redis.call('XADD', LOG, '*', 'op', 'drawn', 'member', member, 'order', order,
                 'code', code, 'at', at)
    end
  end
  redis.call('HINCRBY', META, 'lv:written', #todo)
  return { 'ok', int(#todo) }
end

if action == 'finish' then
  if not drawer_ok() then return { 'draw_running' } end
  if meta[8] then return { 'ok' } end
  local written = tonumber(redis.call('HGET', META, 'lv:written') or '0')
  local entries = tonumber(redis.call('HGET', CNT, 'entries') or '0')
  if written ~= entries then
    return redis.error_reply('TG_CORRUPT ' .. written .. ' of ' .. entries .. ' results written')
  end
  -- writes
  redis.call('HSET', META, 'lv:drawn_at', int(now), 'lv:digest', ARGV[4], 'lv:draw_seed', ARGV[5])
  redis.call('HDEL', META, 'lv:lease')
  redis.call('XADD', LOG, '*', 'op', 'draw_done', 'digest', ARGV[4], 'draw_seed', ARGV[5],
             'at', int(now))
  -- Seats given back while the draw was written go to the waiting list now,
  -- in draw order.
  for pool in string.gmatch(redis.call('HGET', META, 'pools'), '[^,]+') do
    serve_waiting(pool, now)
  end
  return { 'ok' }
end
