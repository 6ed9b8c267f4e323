-- read.lua: an atomic read of an event for stats, lookups and audits. Writes nothing.
--
-- KEYS:   the seven event keys of lib.lua
-- ARGV:   what: "stats"  -> {meta, stock, total, cnt, now_ms}
--               "lookup" -> {meta, stock, total, cnt, now_ms, {code, record} or {}}
--                           with ARGV[2] = "code"|"member", ARGV[3] = the value
--               "full"   -> {meta, stock, total, cnt, now_ms, res, member, log}
--         meta, stock, total, cnt, res and member are flat HGETALL arrays; log is XRANGE - +.
-- Returns {} when the event does not exist.
-- Example: EVALSHA <sha> 7 tg:{park}:meta ... tg:{park}:log stats

if redis.call('EXISTS', META) == 0 then return {} end
local out = {
  redis.call('HGETALL', META), redis.call('HGETALL', STOCK), redis.call('HGETALL', TOTAL),
  redis.call('HGETALL', CNT), int(now_ms()),
}
local what = ARGV[1]
if what == 'lookup' then
  local code = ARGV[3]
  if ARGV[2] == 'member' then code = redis.call('HGET', MEMBER, ARGV[3]) end
  local record = code and redis.call('HGET', RES, code)
  out[6] = record and { code, record } or {}
elseif what == 'full' then
  out[6] = redis.call('HGETALL', RES)
  out[7] = redis.call('HGETALL', MEMBER)
  out[8] = redis.call('XRANGE', LOG, '-', '+')
end
return out
