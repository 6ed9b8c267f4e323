-- create.lua: create an event with its pools.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   title, org, opens_ms, closes_ms, price_fen, max_seats (seats per reservation),
--         hold_ms (0: no payment hold), n, then n meta field/value pairs of what tickets
--         say (d:<name> for the event, pd:<pool>:<name> for a pool: English title,
--         venue, starts_at, notes; never read by a grab; and a sale's kept parts:
--         kept:<pool>, kept, next_rel, as lib.lua keeps them), then per pool: pool_id,
--         pool_title, total (in seats)
-- Returns {"ok", now_ms} or {"exists"} (any key of the event already exists).
-- Logs    one "created" entry per pool (pool, delta = total).
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq
--          "Park pass" bj 1764000000000 1764003600000 0 1 0 1 d:venue "Longtan park"
--          p1 "Annual pass" 400

local err = guard_types()
if err then return err end
-- The sale's own ten (a program's places exist before its sales).
if redis.call('EXISTS', unpack(KEYS, 1, 10)) > 0 then
  return { 'exists' }
end

local now = now_ms()
local pools = {}
local meta = { 'title', ARGV[1], 'org', ARGV[2], 'opens', ARGV[3], 'closes', ARGV[4],
               'price', ARGV[5], 'max_seats', ARGV[6], 'hold_ms', ARGV[7], 'status', 'open',
               'created', int(now) }
local first_pool = 9 + 2 * tonumber(ARGV[8])
for i = 9, first_pool - 1 do
  meta[#meta + 1] = ARGV[i]
end
for i = first_pool, #ARGV, 3 do
  local pool = ARGV[i]
  pools[#pools + 1] = pool
  meta[#meta + 1] = 'ptitle:' .. pool
  meta[#meta + 1] = ARGV[i + 1]
  meta[#meta + 1] = 'ptotal:' .. pool
  meta[#meta + 1] = ARGV[i + 2]
end
meta[#meta + 1] = 'pools'
meta[#meta + 1] = table.concat(pools, ',')

-- writes
redis.call('HSET', META, unpack(meta))
for i = first_pool, #ARGV, 3 do
  local pool, total = ARGV[i], ARGV[i + 2]
  redis.call('HSET', STOCK, pool, total)
  redis.call('HSET', TOTAL, pool, total)
  redis.call('HSET', CNT, 'held:' .. pool, 0, 'redeemed:' .. pool, 0,
             'cancelled:' .. pool, 0, 'expired:' .. pool, 0, 'no_show:' .. pool, 0)
  redis.call('XADD', LOG, '*', 'op', 'created', 'pool', pool, 'delta', total, 'at', int(now))
  -- Its kept parts' stock fields (lib.lua), each with its seats at creation.
  local def = redis.call('HGET', META, 'kept:' .. pool)
  if def then
    local n = 0
    for seats in string.gmatch(def, '%a,[^,;]+,(%d+),%d+') do
      n = n + 1
      redis.call('HSET', STOCK, pool .. '#' .. n, seats)
    end
  end
end
return { 'ok', int(now) }
