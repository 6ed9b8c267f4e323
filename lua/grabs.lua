-- grabs.lua: the grabs of one event that reached a front end together, in one
-- call (src/store/redis/batch.rs). Each is exactly grab.lua, which
-- src/store/scripts.rs puts above this file as the function `grab`, whose
-- ARGV is that grab's own: the grabs run one after the other, so the call
-- changes what that many grab calls in a row would, and each gets the answer
-- it would have got alone. Why: a call's own cost in Redis (reading, parsing
-- and answering it, the script's start) was most of a grab's (BENCHMARKS.md
-- §15); shared by the grabs of one call, each pays a part of it.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   n_1, the n_1 arguments of grab 1 (grab.lua's ARGV), n_2, ...
-- Returns one reply per grab, in order: grab.lua's reply, or {"error", message}
--         when that grab failed (TG_CORRUPT ...). A grab that fails has written
--         nothing (grab.lua runs its checks before its first write), and the
--         others run as they would alone. Memory is checked once, before the
--         call starts (the "#!lua" shebang): a call refused for memory refuses
--         all of its grabs and writes nothing.
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq
--          7 3f1c...e2 "6217 **** **** 1234" app 7K2M9QX4T1ZB bj/chaoyang 1 p1
--          7 9a0b...51 "6217 **** **** 5678" app Q4T1ZB7K2M9X bj/chaoyang 1 p1

local out = {}
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  if not n or n < 1 or i + n > #ARGV then
    return redis.error_reply('ERR grabs.lua: bad argument count at ' .. i)
  end
  local ok, reply = pcall(grab, { unpack(ARGV, i + 1, i + n) })
  if not ok then
    reply = { 'error', type(reply) == 'table' and reply.err or tostring(reply) }
  elseif reply.err then
    reply = { 'error', reply.err }
  end
  out[#out + 1] = reply
  i = i + n + 1
end
return out
