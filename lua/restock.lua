-- restock.lua: add tickets to a pool (to the waiting list first, lib.lua
-- `serve_waiting`), or withdraw unsold ones (never below zero, nor any a kept
-- part keeps).
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   pool, delta (a non-zero integer), max_total (the largest pool)
-- Returns {"ok", remaining, total} (remaining after the waiting list was served) | {"unknown_event"} | {"unknown_pool", pool}
--         {"below_zero", remaining} | {"above_limit", total, max_total}
--         {"draw_running"} (a lottery's draw is being written)
--         {"stock_fixed"} (a lottery from its close until its draw is published)
-- Logs    "restocked" (pool, delta), then the waiting list's "assigned".
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq p1 50 10000000

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
release_due(now_ms())
local pool, delta = ARGV[1], tonumber(ARGV[2])
local stock = redis.call('HGET', STOCK, pool)
if not stock then return { 'unknown_pool', pool } end
-- While a lottery is drawn, its stock is the draw's; from the close of its
-- registration, the stock published with the closing (ticketgrab-draw-v2).
local draw = redis.call('HMGET', META, 'lv:draw', 'lv:drawn_at', 'l:draw_at', 'closes', 'status',
                        'opens', 'l:fair_ms')
if draw[1] and not draw[2] then return { 'draw_running' } end
-- A fair window's registration closes at its end (`Event::registration_closes`).
local registration_closes = tonumber(draw[4])
if draw[7] then registration_closes = tonumber(draw[6]) + tonumber(draw[7]) end
if draw[3] and not draw[2] and (now_ms() >= registration_closes or draw[5] == 'closed') then
  return { 'stock_fixed' }
end
-- Kept parts' seats are not the restock's to take away.
local public = kept().public_free(pool, stock)
if public + delta < 0 then return { 'below_zero', int(public) } end
local total = tonumber(redis.call('HGET', TOTAL, pool))
local max_total = tonumber(ARGV[3])
if total + delta > max_total then return { 'above_limit', int(total), int(max_total) } end

local now = now_ms()
-- writes
redis.call('HINCRBY', STOCK, pool, delta)
local total = redis.call('HINCRBY', TOTAL, pool, delta)
redis.call('XADD', LOG, '*', 'op', 'restocked', 'pool', pool, 'delta', int(delta), 'at', int(now))
if delta > 0 then serve_waiting(pool, now) end
return { 'ok', redis.call('HGET', STOCK, pool), int(total) }
