-- release.lua: staff release the seats of a pool's tickets that were not used (no-
-- shows) once the session has begun: every active (paid, unredeemed) reservation of
-- the pool becomes no_show and its seats go back, to the waiting list first, then to
-- walk-ups and the app. Held reservations keep their hold; used ones stay used.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   pool
-- Returns {"ok", reservations, seats} (how many were released) | {"unknown_event"}
--         {"unknown_pool", pool} | {"not_open", opens_ms, now_ms} (the sale has not begun)
-- Logs    one "no_show" (code, pool, member, seats) per reservation, then the waiting
--         list's "assigned" entries.
-- Example: EVALSHA <sha> 10 tg:{theatre}:meta ... tg:{theatre}:waitq show-3

local err = guard_types()
if err then return err end
local opens = redis.call('HGET', META, 'opens')
if not opens then return { 'unknown_event' } end
local pool = ARGV[1]
if not redis.call('HGET', STOCK, pool) then return { 'unknown_pool', pool } end
local now = now_ms()
if now < tonumber(opens) then return { 'not_open', opens, int(now) } end

-- One pass over the event's reservations (a staff action, not the hot path).
local all = redis.call('HGETALL', RES)
local released = {}
for i = 1, #all, 2 do
  local r = decode(all[i + 1])
  if r.pool == pool and r.status == 'active' then
    if not tonumber(r.seats) then return redis.error_reply('TG_CORRUPT bad seats in ' .. all[i]) end
    released[#released + 1] = { all[i], r }
  end
end
-- In code order, as the embedded store logs them.
table.sort(released, function(a, b) return a[1] < b[1] end)
-- writes
release_due(now)
local seats = 0
-- The kept parts its tickets' seats went back to, served in part order.
local touched = {}
for _, item in ipairs(released) do
  local code, r = item[1], item[2]
  local n = tonumber(r.seats)
  r.status = 'no_show'
  r.cancelled = int(now)
  redis.call('HSET', RES, code, encode(r))
  -- A kept part's seats go back to it until its release (the pool's below).
  if r.part ~= '' and redis.call('HEXISTS', STOCK, pool .. '#' .. r.part) == 1 then
    redis.call('HINCRBY', STOCK, pool .. '#' .. r.part, n)
    touched[tonumber(r.part)] = true
  end
  redis.call('XADD', LOG, '*', 'op', 'no_show', 'code', code, 'pool', pool,
             'member', r.member, 'seats', r.seats, 'at', int(now))
  seats = seats + n
end
if seats > 0 then
  redis.call('HINCRBY', STOCK, pool, seats)
  count_seats('active', pool, -seats)
  count_seats('no_show', pool, seats)
  for part = 1, 32 do
    if touched[part] then serve_part(pool, int(part), now) end
  end
  serve_waiting(pool, now)
end
return { 'ok', int(#released), int(seats) }
