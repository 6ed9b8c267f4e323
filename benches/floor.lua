-- floor.lua: the least a batched grab must do in Redis, as a yardstick for
-- grabs.lua (benches/callgrind.sh redis benches/floor.lua K CALLS). Per grab it
-- reads the member's entry and the pool's stock and writes the log entry, the
-- stock, the ticket and the member's index: the calls a grab cannot do without,
-- and nothing else (no checks, no answers but "reserved": not a valid grab).
-- KEYS and ARGV as grabs.lua's.
local out = {}
local t = redis.call('TIME')
local now = tostring(t[1] * 1000)
local i = 1
while i <= #ARGV do
  local member, card, code, pool = ARGV[i + 1], ARGV[i + 2], ARGV[i + 4], ARGV[i + 7]
  redis.call('HGET', KEYS[6], member)
  redis.call('HGET', KEYS[2], pool)
  redis.call('XADD', KEYS[7], '*', 'op', 'reserved', 'code', code, 'pool', pool, 'member', member,
             'channel', 'app', 'card', card, 'seats', '1', 'at', now)
  redis.call('HINCRBY', KEYS[2], pool, -1)
  redis.call('HSET', KEYS[5], code, pool .. '|active|app|' .. member .. '|' .. card .. '|' .. now .. '|||1|')
  redis.call('HSET', KEYS[6], member, code)
  out[#out + 1] = { 'reserved', code }
  i = i + tonumber(ARGV[i]) + 1
end
return out
