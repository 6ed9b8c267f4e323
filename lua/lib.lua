-- lib.lua: the prelude of every ticketgrab script. src/store/scripts.rs builds each
-- script as "#!lua [flags]" + this file + the script's own file, so every script
-- sees the same key names and helpers.
--
-- KEYS (the same nine for every script, all with the event's hash tag so one
-- event lives in one cluster slot; see src/store/keys.rs):
--   1 tg:{E}:meta    hash   title, org, opens, closes (ms), price, max_seats (absent: 1),
--                           hold_ms (absent: 0, no payment hold), status, created,
--                           pools (comma list), ptitle:<pool>, ptotal:<pool> (at creation)
--   2 tg:{E}:stock   hash   pool -> unsold seats
--   3 tg:{E}:total   hash   pool -> live total in seats (creation + restocks)
--   4 tg:{E}:cnt     hash   held:<pool>, active:<pool>, redeemed:<pool>, cancelled:<pool>,
--                           expired:<pool> -> seats (held/expired absent before holds: 0)
--   5 tg:{E}:res     hash   code -> record "pool|status|channel|member|card|created|
--                           redeemed|cancelled|seats|pay_by"; status held, active, redeemed,
--                           cancelled or expired; cancelled is also when a hold expired
--                           (records from before family seats end at cancelled: 1 seat;
--                           from before holds at seats)
--   6 tg:{E}:member  hash   member key -> code of the member's latest reservation
--   7 tg:{E}:log     stream one entry per state change (the audit trail)
--   8 tg:{E}:holds   zset   code -> pay_by (ms) of every held reservation
--   9 tg:{E}:pays    hash   payment id -> "code|amount|outcome" (paid or refund_due)
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
-- check memory up front rather than at the first write. tests/engine/scripts.rs
-- breaks a key's type and fills memory, and checks that nothing changed.

local META, STOCK, TOTAL, CNT, RES, MEMBER, LOG, HOLDS, PAYS =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]

-- The type each key must have (a function, not a table: every script run would
-- build the table, and grab.lua asks about two keys).
local function expected_type(key)
  if key == LOG then return 'stream' end
  if key == HOLDS then return 'zset' end
  return 'hash'
end

-- Fails the script (before any write) when one of `keys` (default: all nine)
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
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
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
           pay_by = f[10] or '' }
end

local function encode(r)
  return table.concat({ r.pool, r.status, r.channel, r.member, r.card,
                        r.created, r.redeemed, r.cancelled, r.seats, r.pay_by }, '|')
end

-- A held reservation `r` (decoded) is past its pay_by at `now`.
local function past_due(r, now)
  return r.status == 'held' and now >= tonumber(r.pay_by)
end

-- Expires the held reservation `code` (decoded as `r`) at `now`: its seats go back
-- to their pool. A whole change on its own (record, stock, counters, the hold
-- index, the log), so a script may make it before its own checks end; every
-- caller has type-checked RES, STOCK, CNT, LOG and HOLDS first, and its writes
-- cannot fail. tests/engine/scripts.rs holds scripts to that.
local function expire_hold(code, r, now)
  local seats = tonumber(r.seats)
  r.status = 'expired'
  r.cancelled = int(now)
  redis.call('HSET', RES, code, encode(r))
  redis.call('HINCRBY', STOCK, r.pool, seats)
  redis.call('HINCRBY', CNT, 'held:' .. r.pool, -seats)
  redis.call('HINCRBY', CNT, 'expired:' .. r.pool, seats)
  redis.call('ZREM', HOLDS, code)
  redis.call('XADD', LOG, '*', 'op', 'expired', 'code', code, 'pool', r.pool,
             'member', r.member, 'seats', r.seats, 'at', int(now))
end
