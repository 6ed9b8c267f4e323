-- lib.lua: the prelude of every ticketgrab script. src/store/scripts.rs builds each
-- script as "#!lua [flags]" + this file + the script's own file, so every script
-- sees the same key names and helpers.
--
-- KEYS (the same ten for every script, all with the event's hash tag so one
-- event lives in one cluster slot; see src/store/keys.rs):
--   1 tg:{E}:meta    hash   title, org, opens, closes (ms), price, max_seats (absent: 1),
--                           hold_ms (absent: 0, no payment hold), status, created,
--                           pools (comma list), ptitle:<pool>, ptotal:<pool> (at creation);
--                           a sale with kept parts (shares, allotments; docs/design/shares.md):
--                           kept:<pool> "g,<group>,<seats>,<release_ms>;o,<org>,..." per pool
--                           that has them, kept (those pools, comma list, in the sale's order),
--                           next_rel (ms: the earliest release still to come; absent: none)
--   2 tg:{E}:stock   hash   pool -> unsold seats (a kept part's among them);
--                           <pool>#<n> -> seats the pool's n-th kept part has left, until
--                           its release (then the field is gone: released once)
--   3 tg:{E}:total   hash   pool -> live total in seats (creation + restocks)
--   4 tg:{E}:cnt     hash   held:<pool>, redeemed:<pool>, cancelled:<pool>, expired:<pool>,
--                           no_show:<pool> -> seats in that status (held/expired absent
--                           before holds: 0). Not active: a pool's active seats are what the
--                           others leave, total - stock - held - redeemed (`count_seats`);
--                           an active:<pool> written by an older build is not read
--   5 tg:{E}:res     hash   code -> record "pool|status|channel|member|card|created|
--                           redeemed|cancelled|seats|pay_by[|part]" (part: the kept part its
--                           seats came from, absent for the public stock); status held, active, redeemed,
--                           cancelled or expired; cancelled is also when a hold expired
--                           (records from before family seats end at cancelled: 1 seat;
--                           from before holds at seats)
--   6 tg:{E}:member  hash   member key -> code of the member's latest reservation;
--                           "w:" .. member key -> the member's waiting-list entry
--                           "order|seats|cutoff|pools|card|channel|joined|code[|parts]": its place
--                           (lower is served first), seats, cutoff (ms), ranked pools (comma
--                           list), masked card, channel, join time, and the code its ticket
--                           will have (drawn at join, like a grab's); parts: the kept parts
--                           its member may take from ("pool#n,..."), as at its join
--   7 tg:{E}:log     stream one entry per state change (the audit trail)
--   8 tg:{E}:holds   zset   code -> pay_by (ms) of every held reservation
--   9 tg:{E}:pays    hash   payment id -> "code|amount|outcome" (paid or refund_due), and
--                           "c:" .. code -> the payment that paid it (a cancel refunds it),
--                           "t:" .. station .. "|" .. day .. "|" .. what -> a station's tally
--  10 tg:{E}:waitq   zset   the waiting list's index, every score 0, read by lex range:
--                           "q|<order>|<member>" once per entry (the queue), and
--                           "p|<pool>|<seats>|<order>|<member>" per ranked pool (who fits a
--                           pool with n seats free: the heads of n ranges); order is 16 digits; and
--                           "k|<pool>#<n>|<seats>|<order>|<member>" per kept part its member
--                           may take from (who fits seats given back to that part)
--
-- A sale of a program (src/domain/program.rs) has its keys under the program's tag,
-- tg:{P}:E:meta ..., its meta holds program and cap (the program's, at creation), and
-- every script gets an eleventh key:
--  11 tg:{P}:places  hash   member key -> places the member holds under the program's cap
--                           across its sales: tickets held, active, redeemed or no_show,
--                           and lottery entries until their draw (absent: none). Archiving
--                           a sale leaves it alone: the places are the program's.
--
-- Replies: a success is {"ok", ...} (a grab: {"reserved", ...} or {"existing", ...});
-- a refusal is {<word>, ...} where the word is the outcome's code of src/error.rs
-- (`Error::code`): unknown_event, unknown_pool, not_found, sold_out, ...
--
-- Why scripts never leave half a change: Redis does not roll a script back when a
-- command inside it fails, so every script (1) runs all of its checks, including
-- `guard_types` below, before its first write, and (2) then only issues writes that
-- cannot fail on keys whose types were just checked. Out-of-memory is refused before
-- the script starts, because the "#!lua" shebang without `allow-oom` makes Redis
-- check memory up front rather than at the first write. One helper is a whole change
-- made before a script's own: `release_due` (kept parts whose time came), which a
-- script may run among its checks once guard_types() passed; a refusal after it
-- leaves the release done, as the sweeper would have. tests/engine/scripts.rs
-- breaks a key's type and fills memory, and checks that nothing changed.

local META, STOCK, TOTAL, CNT, RES, MEMBER, LOG, HOLDS, PAYS, WAITQ =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
-- nil outside programs: then no script reads or writes places.
local PLACES = KEYS[11]
-- Most seats one reservation may hold (src/domain/event.rs MAX_SEATS).
local MAX_SEATS = 6

-- The type each key must have (a function, not a table: every script run would
-- build the table, and grab.lua asks about two keys).
local function expected_type(key)
  if key == LOG then return 'stream' end
  if key == HOLDS or key == WAITQ then return 'zset' end
  return 'hash'
end

-- Fails the script (before any write) when one of `keys` (default: all ten)
-- holds the wrong type, which would otherwise make a write fail half-way.
local function guard_types(...)
  local keys = { ... }
  if #keys == 0 then keys = KEYS end
  for _, key in ipairs(keys) do
    local t = redis.call('TYPE', key)['ok']
    if t ~= 'none' and t ~= expected_type(key) then
      return redis.error_reply('TG_CORRUPT ' .. key .. ' is a ' .. t)
    end
  end
  return nil
end

-- A read that also checks its key's type: a key of the wrong type fails the
-- script as TG_CORRUPT. Cheaper than a TYPE call for a key the script reads
-- anyway; used by grab.lua, the hot path, for every key it reads before its
-- writes (guard_types covers the keys it only writes).
local function checked(cmd, key, ...)
  local r = redis.pcall(cmd, key, ...)
  if type(r) == 'table' and r.err then
    error({ err = 'TG_CORRUPT ' .. key .. ': ' .. r.err })
  end
  return r
end

-- The store's clock, in ms: sale windows are decided here, never by a front-end.
-- Read once per call: a script runs at one instant (nothing else runs in
-- between), and the grabs of one grabs.lua call share that instant.
local clock = nil
local function now_ms()
  if not clock then
    local t = redis.call('TIME')
    clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return clock
end

-- The sale's settings a grab reads, read once per call: no grab writes them,
-- so the grabs of one grabs.lua call share one read (and one type check), and
-- the numbers among them are parsed once (opens_n, closes_n, max_n, hold_n).
local sale = nil
local function sale_meta()
  if not sale then
    sale = checked('HMGET', META, 'org', 'opens', 'closes', 'status', 'max_seats', 'hold_ms',
                   'l:draw_at', 'cap', 'l:fair_ms', 'lv:draw', 'lv:drawn_at', 'next_rel')
    sale.opens_n, sale.closes_n = tonumber(sale[2]), tonumber(sale[3])
    sale.max_n, sale.hold_n = tonumber(sale[5] or '1'), tonumber(sale[6] or '0')
  end
  return sale
end

-- Integers as strings without Lua's float formatting.
local function int(n)
  return string.format('%d', n)
end

local function decode(s)
  local f = {}
  for part in string.gmatch(s .. '|', '([^|]*)|') do
    f[#f + 1] = part
  end
  return { pool = f[1], status = f[2], channel = f[3], member = f[4], card = f[5],
           created = f[6], redeemed = f[7], cancelled = f[8], seats = f[9] or '1',
           pay_by = f[10] or '', part = f[11] or '' }
end

local function encode(r)
  local s = table.concat({ r.pool, r.status, r.channel, r.member, r.card,
                           r.created, r.redeemed, r.cancelled, r.seats, r.pay_by }, '|')
  if r.part and r.part ~= '' then s = s .. '|' .. r.part end
  return s
end

-- Kept parts (docs/design/shares.md): their helpers, in one table built the
-- first time a script needs it (`kept()`), so the scripts of sales without
-- parts (every grab of them) pay for one closure, not one per helper.
local kept_helpers = nil
local function kept()
  if kept_helpers then return kept_helpers end
  local K = {}
  -- A pool's parts as defined at creation: { kind = 'g' (a share, for a
  -- group) | 'o' (an allotment, for a union), name, rel (release ms) } in
  -- order; nil for a pool without.
  function K.parts_of(pool)
    local def = redis.call('HGET', META, 'kept:' .. pool)
    if not def then return nil end
    local out = {}
    for kind, name, rel in string.gmatch(def, '(%a),([^,;]+),%d+,(%d+)') do
      out[#out + 1] = { kind = kind, name = name, rel = tonumber(rel) }
    end
    return out
  end
  -- The seats each of a pool's parts has left (false: released).
  function K.parts_left(pool, parts)
    local fields = {}
    for i = 1, #parts do fields[i] = pool .. '#' .. i end
    return redis.call('HMGET', STOCK, unpack(fields))
  end
  -- Seats of `pool` anyone may take: its unsold seats (`stock`, read by the
  -- caller, or read here) less what its unreleased parts keep.
  function K.public_free(pool, stock)
    local free = tonumber(stock or redis.call('HGET', STOCK, pool) or '0')
    local parts = K.parts_of(pool)
    if not parts then return free end
    for _, left in ipairs(K.parts_left(pool, parts)) do
      if left then free = free - tonumber(left) end
    end
    return free
  end
  -- Whether a member of `org` ("" when unknown) in `groups` (";"-joined) may
  -- take from `part` (src/domain/parts.rs `Kept::admits`).
  local function admits(part, org, groups)
    if part.kind == 'g' then
      return string.find(';' .. groups .. ';', ';' .. part.name .. ';', 1, true) ~= nil
    end
    return org ~= '' and (org == part.name or string.sub(org, 1, #part.name + 1) == part.name .. '/')
  end
  -- Where a grab of `seats` by a member of `org` in `groups` takes them from
  -- (src/domain/parts.rs `candidates`, src/store/memory/kept.rs `choose`): in
  -- the order of `pools` (whose stock fields are `stock`), the pool's
  -- unreleased shares the member is in, then the first unreleased allotment
  -- of the member's union, then its public stock. Returns pool, part (nil:
  -- the public's), or nil.
  function K.choose(pools, stock, seats, org, groups)
    local listed = ',' .. (redis.call('HGET', META, 'kept') or '') .. ','
    for i = 1, #pools do
      local pool = pools[i]
      local parts = string.find(listed, ',' .. pool .. ',', 1, true) and K.parts_of(pool)
      local public = tonumber(stock[i] or '0')
      if parts then
        local left = K.parts_left(pool, parts)
        for _, kind in ipairs({ 'g', 'o' }) do
          for j, part in ipairs(parts) do
            if left[j] and part.kind == kind and admits(part, org, groups) then
              if tonumber(left[j]) >= seats then return pool, int(j) end
              if kind == 'o' then break end
            end
          end
        end
        for j = 1, #parts do
          if left[j] then public = public - tonumber(left[j]) end
        end
      end
      if public >= seats then return pool, nil end
    end
    return nil, nil
  end
  -- The parts of `pools` a member of `org` in `groups` may take from, as
  -- "pool#n" (a waiting entry's, at its join): per pool, shares then the
  -- allotment, as `choose` tries them.
  function K.eligible(pools, org, groups)
    local out = {}
    local listed = ',' .. (redis.call('HGET', META, 'kept') or '') .. ','
    for _, pool in ipairs(pools) do
      local parts = string.find(listed, ',' .. pool .. ',', 1, true) and K.parts_of(pool)
      if parts then
        local left = K.parts_left(pool, parts)
        for _, kind in ipairs({ 'g', 'o' }) do
          for j, part in ipairs(parts) do
            if left[j] and part.kind == kind and admits(part, org, groups) then
              out[#out + 1] = pool .. '#' .. j
              if kind == 'o' then break end
            end
          end
        end
      end
    end
    return out
  end
  kept_helpers = K
  return K
end

-- Seats of a ticket from `part` of `pool` given back: to the pool's unsold
-- seats, and to the part's own while it is not released.
-- Writes: callers have type-checked STOCK.
local function give_back(pool, part, seats)
  redis.call('HINCRBY', STOCK, pool, seats)
  if part and part ~= '' and redis.call('HEXISTS', STOCK, pool .. '#' .. part) == 1 then
    redis.call('HINCRBY', STOCK, pool .. '#' .. part, seats)
  end
end

-- Adds `seats` (negative: takes them) to the seats in `status` of `pool`. Active
-- seats are not counted: they are what the other statuses leave of a pool's
-- seats out of stock, total - stock - held - redeemed, which read.lua works
-- out. So taking an active ticket (the plain grab, the hot path) writes no
-- counter and need not check CNT's type, and every status change of an active
-- ticket writes one counter, not two. Writes: only after the caller's checks.
local function count_seats(status, pool, seats)
  if status ~= 'active' then redis.call('HINCRBY', CNT, status .. ':' .. pool, seats) end
end

-- The refusal of a member who holds the program's cap of places, of which this
-- change gives `giving_back` back first (a grab over the member's own expired
-- hold); nil when not, and outside programs. `cap`: the sale's meta cap when the
-- caller read it. Reads PLACES through `checked`, so a write to it after this
-- call cannot fail.
local function cap_refusal(member, giving_back, cap)
  if not PLACES then return nil end
  cap = cap or redis.call('HGET', META, 'cap')
  local held = tonumber(checked('HGET', PLACES, member) or '0') - giving_back
  if held >= tonumber(cap) then return { 'program_cap', int(held), cap } end
  return nil
end

-- Adds `delta` to the member's places (a program's sale only; nothing outside).
-- Writes: callers have type-checked PLACES (guard_types, or `cap_refusal`).
local function add_place(member, delta)
  if not PLACES then return end
  if redis.call('HINCRBY', PLACES, member, delta) <= 0 then
    redis.call('HDEL', PLACES, member)
  end
end

-- A new entry in a draw (a lottery's, or a fair window's registration) at
-- `now`: the entry "pools|seats|card|channel|entered|rank|won" (unranked), the
-- member's place under a program's cap, the counters, the log's "entered".
-- Writes: callers have type-checked MEMBER, CNT, LOG and PLACES.
local function write_entry(member, card, channel, seats_arg, pools, now)
  local at = int(now)
  local listed = table.concat(pools, ',')
  local record = table.concat({ listed, seats_arg, card, channel, at, '', '' }, '|')
  redis.call('HSET', MEMBER, 'e:' .. member, record)
  add_place(member, 1)
  redis.call('HINCRBY', CNT, 'entries', 1)
  for _, pool in ipairs(pools) do redis.call('HINCRBY', CNT, 'entries:' .. pool, 1) end
  redis.call('XADD', LOG, '*', 'op', 'entered', 'member', member, 'pools', listed,
             'seats', seats_arg, 'card', card, 'channel', channel, 'at', at)
  return record
end

-- A held reservation `r` (decoded) is past its pay_by at `now`.
local function past_due(r, now)
  return r.status == 'held' and now >= tonumber(r.pay_by)
end

-- The waiting list. A member's entry, decoded.
local function decode_wait(s)
  local f = {}
  for part in string.gmatch(s .. '|', '([^|]*)|') do
    f[#f + 1] = part
  end
  local pools = {}
  for pool in string.gmatch(f[4], '[^,]+') do
    pools[#pools + 1] = pool
  end
  local parts = {}
  for one in string.gmatch(f[9] or '', '[^,]+') do
    parts[#parts + 1] = one
  end
  return { order = f[1], seats = f[2], cutoff = f[3], pools = pools, card = f[5],
           channel = f[6], joined = f[7], code = f[8], parts = parts }
end

-- The index members of an entry in WAITQ (see KEYS).
local function wait_index(member, w)
  local out = { 'q|' .. w.order .. '|' .. member }
  for _, pool in ipairs(w.pools) do
    out[#out + 1] = 'p|' .. pool .. '|' .. w.seats .. '|' .. w.order .. '|' .. member
  end
  for _, part in ipairs(w.parts) do
    out[#out + 1] = 'k|' .. part .. '|' .. w.seats .. '|' .. w.order .. '|' .. member
  end
  return out
end

-- Entries ahead of the one at `order` in the queue.
local function wait_ahead(order)
  return redis.call('ZLEXCOUNT', WAITQ, '[q|', '(q|' .. order)
end

-- Removes a member's entry (decoded as `w`); `why` is left (the member's wish),
-- lapsed (past its cutoff), got_ticket (the member's own grab), program_cap (the
-- member reached the program's cap elsewhere) or assigned.
-- Writes: callers have type-checked MEMBER, WAITQ and LOG.
local function drop_waiting(member, w, why, now)
  redis.call('ZREM', WAITQ, unpack(wait_index(member, w)))
  redis.call('HDEL', MEMBER, 'w:' .. member)
  if why ~= 'assigned' then
    redis.call('XADD', LOG, '*', 'op', 'left', 'member', member, 'reason', why, 'at', int(now))
  end
end

-- A code not yet in RES: the entry's own, or (should a grab have drawn the same
-- random code meanwhile) its next in the code alphabet at the last place.
local CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
local function free_code(code)
  while redis.call('HEXISTS', RES, code) == 1 do
    local i = string.find(CODE_ALPHABET, string.sub(code, -1), 1, true)
    code = string.sub(code, 1, -2) .. string.sub(CODE_ALPHABET, i % 32 + 1, i % 32 + 1)
  end
  return code
end

-- Gives seats that came back to `pool` to the waiting list, in its order: while
-- the first entry (lowest order) that lists the pool and wants no more seats than
-- it has free exists, that member gets a ticket (a hold on a sale with one, for an
-- app entry) in the first of their ranked pools with the seats, and leaves the
-- list; entries past their cutoff met on the way are removed. Not on a sale staff
-- closed, nor while a lottery's draw is written. Every assignment is logged
-- ("assigned", as "reserved" plus the entry's order). `part` (a kept part's
-- number; nil: everyone's seats): seats that came back to that part of the pool,
-- for the entries whose members may take from it (the "k|" index), from it.
-- Writes: callers have type-checked every key.
local function serve(pool, part, now)
  if redis.call('ZCARD', WAITQ) == 0 then return end
  local meta = redis.call('HMGET', META, 'status', 'hold_ms', 'lv:draw', 'lv:drawn_at')
  if meta[1] == 'closed' then return end
  -- While a lottery is drawn, its stock is the draw's.
  if meta[3] and not meta[4] then return end
  local field = part and (pool .. '#' .. part)
  local index = part and ('k|' .. field) or ('p|' .. pool)
  while true do
    local free
    if part then
      free = tonumber(redis.call('HGET', STOCK, field) or '0')
    else
      free = kept().public_free(pool, nil)
    end
    local best, best_order, member = nil, nil, nil
    for n = 1, math.min(free, MAX_SEATS) do
      local prefix = index .. '|' .. n .. '|'
      local head = redis.call('ZRANGEBYLEX', WAITQ, '[' .. prefix, '(' .. prefix .. '~',
                              'LIMIT', 0, 1)[1]
      if head then
        -- head is prefix .. order (16 digits) .. '|' .. member
        local order = string.sub(head, #prefix + 1, #prefix + 16)
        if not best or order < best_order then
          best, best_order, member = head, order, string.sub(head, #prefix + 18)
        end
      end
    end
    if not best then return end
    local entry = redis.call('HGET', MEMBER, 'w:' .. member)
    if not entry then
      redis.call('ZREM', WAITQ, best)
    else
      local w = decode_wait(entry)
      if now >= tonumber(w.cutoff) then
        drop_waiting(member, w, 'lapsed', now)
      elseif cap_refusal(member, 0, nil) then
        drop_waiting(member, w, 'program_cap', now)
      else
        local seats = tonumber(w.seats)
        -- Everyone's seats: the first of the entry's ranked pools with them.
        local take = pool
        if not part then
          for i = 1, #w.pools do
            if kept().public_free(w.pools[i], nil) >= seats then take = w.pools[i] break end
          end
        end
        local hold_ms = tonumber(meta[2] or '0')
        local status, pay_by = 'active', ''
        if hold_ms > 0 then status, pay_by = 'held', int(now + hold_ms) end
        local code = free_code(w.code)
        drop_waiting(member, w, 'assigned', now)
        redis.call('HINCRBY', STOCK, take, -seats)
        if part then redis.call('HINCRBY', STOCK, field, -seats) end
        count_seats(status, take, seats)
        redis.call('HSET', RES, code, encode({ pool = take, status = status, channel = w.channel,
          member = member, card = w.card, created = int(now), redeemed = '', cancelled = '',
          seats = w.seats, pay_by = pay_by, part = part }))
        redis.call('HSET', MEMBER, member, code)
        add_place(member, 1)
        if hold_ms > 0 then redis.call('ZADD', HOLDS, pay_by, code) end
        if part then
          redis.call('XADD', LOG, '*', 'op', 'assigned', 'code', code, 'pool', take,
                     'member', member, 'channel', w.channel, 'card', w.card, 'seats', w.seats,
                     'part', part, 'pay_by', pay_by, 'order', w.order, 'at', int(now))
        else
          redis.call('XADD', LOG, '*', 'op', 'assigned', 'code', code, 'pool', take,
                     'member', member, 'channel', w.channel, 'card', w.card, 'seats', w.seats,
                     'pay_by', pay_by, 'order', w.order, 'at', int(now))
        end
      end
    end
  end
end

-- Everyone's seats that came back to `pool`, to the waiting list first.
local function serve_waiting(pool, now)
  serve(pool, nil, now)
end

-- Seats that came back to kept part `part` of `pool` ("" or nil: none), to
-- the entries that may take from it first (then they stay in the part).
local function serve_part(pool, part, now)
  if part and part ~= '' then serve(pool, part, now) end
end

-- Expires the held reservation `code` (decoded as `r`) at `now`: its seats go back
-- to their pool, to the waiting list first. A whole change on its own (record,
-- stock, counters, the hold index, the log), so a script may make it before its
-- own checks end; every caller has type-checked every key first, and its writes
-- cannot fail. tests/engine/scripts.rs holds scripts to that.
local function expire_hold(code, r, now)
  local seats = tonumber(r.seats)
  r.status = 'expired'
  r.cancelled = int(now)
  redis.call('HSET', RES, code, encode(r))
  give_back(r.pool, r.part, seats)
  count_seats('held', r.pool, -seats)
  count_seats('expired', r.pool, seats)
  redis.call('ZREM', HOLDS, code)
  add_place(r.member, -1)
  redis.call('XADD', LOG, '*', 'op', 'expired', 'code', code, 'pool', r.pool,
             'member', r.member, 'seats', r.seats, 'at', int(now))
  serve_part(r.pool, r.part, now)
  serve_waiting(r.pool, now)
end

-- Releases every kept part whose time has come (meta next_rel <= now), once
-- each, in the sale's pool order and each pool's part order: its stock field
-- goes (its seats stay in the pool's, the public's now), the log says
-- "released" with the seats it had left, and the waiting list is served
-- first. Every script that touches a pool's stock runs it before its own
-- change, and the sweeper too (expire.lua), so a lagging sweeper changes
-- nothing (src/store/memory/kept.rs `release_due`). Returns the parts
-- released. Writes: callers have type-checked every key.
local function release_due(now)
  local m = redis.call('HMGET', META, 'next_rel', 'kept')
  if not m[1] or now < tonumber(m[1]) then return 0 end
  local n, later = 0, nil
  for pool in string.gmatch(m[2] or '', '[^,]+') do
    local parts = kept().parts_of(pool) or {}
    local left = kept().parts_left(pool, parts)
    for i, part in ipairs(parts) do
      if left[i] and part.rel <= now then
        redis.call('HDEL', STOCK, pool .. '#' .. i)
        redis.call('XADD', LOG, '*', 'op', 'released', 'pool', pool, 'part', int(i),
                   'seats', left[i], 'at', int(now))
        serve_waiting(pool, now)
        n = n + 1
      elseif left[i] and (not later or part.rel < later) then
        later = part.rel
      end
    end
  end
  if later then
    redis.call('HSET', META, 'next_rel', int(later))
  else
    redis.call('HDEL', META, 'next_rel')
  end
  -- The grabs of one grabs.lua call share the settings they read.
  if sale then sale[12] = later and int(later) or nil end
  return n
end
