-- move.lua: staff move seats between a pool's kept parts (shares and
-- allotments; docs/design/shares.md), or between one and everyone's seats:
-- one step, logged. Seats moved to everyone's go to the waiting list first, seats
-- moved to a part to the waiting entries that may take from it first.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   pool, from (a part's number; 0: everyone's), to (the same), seats (>= 1)
-- Returns {"ok", from_left, to_left} (what each has left after)
--         {"unknown_event"} | {"unknown_pool", pool}
--         {"part_released"} (from or to was released: its seats are everyone's)
--         {"below_zero", left} (from has fewer seats than that)
-- Logs    "released" first for parts whose time came (lib.lua `release_due`);
--         "moved" (pool, from, to, seats); "assigned" when everyone's seats went
--         to the waiting list.
-- Example: EVALSHA <sha> 10 tg:{cinema}:meta ... tg:{cinema}:waitq show-1 2 3 10

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local now = now_ms()
release_due(now)
local pool, from, to, seats = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if not redis.call('HGET', STOCK, pool) then return { 'unknown_pool', pool } end
-- What part `n` has left; nil when it was released (or never was).
local function left(n)
  if n == '0' then return kept().public_free(pool, nil) end
  local v = redis.call('HGET', STOCK, pool .. '#' .. n)
  return v and tonumber(v)
end
local has = left(from)
if not has or not left(to) then return { 'part_released' } end
if has < seats then return { 'below_zero', int(has) } end

-- writes
if from ~= '0' then redis.call('HINCRBY', STOCK, pool .. '#' .. from, -seats) end
if to ~= '0' then redis.call('HINCRBY', STOCK, pool .. '#' .. to, seats) end
redis.call('XADD', LOG, '*', 'op', 'moved', 'pool', pool, 'from', from, 'to', to,
           'seats', int(seats), 'at', int(now))
if to == '0' then serve_waiting(pool, now) else serve_part(pool, to, now) end
return { 'ok', int(left(from)), int(left(to)) }
