-- tally.lua: a station's count of its Beijing day: tickets issued, lottery
-- entries taken, tickets redeemed, fen taken at its counter. The station
-- screen reads its day from these (not from one browser's storage).
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   station (its staff id), day (YYYY-MM-DD, Beijing), what
--         ("issued"|"entered"|"redeemed"|"taken"), n (an integer)
-- Returns {"ok", total} | {"unknown_event"}
-- Stored: pays "t:" .. station .. "|" .. day .. "|" .. what -> the total (the
--         counter's records sit with the payments; unlike meta, no read of the
--         sale returns the whole hash, so a year of stations costs no read).
-- Logs    "tallied" (station, day, what, n).
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq desk-1 2026-12-07 issued 1

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local station, day, what, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local known = { issued = true, entered = true, redeemed = true, taken = true }
if not known[what] or not n then
  return redis.error_reply('TG_BAD_ARG tally ' .. tostring(what) .. ' ' .. tostring(ARGV[4]))
end
local now = now_ms()
-- writes
local total = redis.call('HINCRBY', PAYS, 't:' .. station .. '|' .. day .. '|' .. what, n)
redis.call('XADD', LOG, '*', 'op', 'tallied', 'station', station, 'day', day, 'what', what,
           'n', int(n), 'at', int(now))
return { 'ok', int(total) }
