-- status.lua: pause, resume or close a sale now. Closing is final.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   action ("pause"|"resume"|"close")
-- Returns {"ok", new_status} (unchanged and not logged when already there)
--         {"unknown_event"} | {"closed"} (pause or resume of a closed sale)
-- Logs    "paused" | "resumed" | "closed".
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq pause

local err = guard_types()
if err then return err end
local status = redis.call('HGET', META, 'status')
if not status then return { 'unknown_event' } end
local action = ARGV[1]
local target = ({ pause = 'paused', resume = 'open', close = 'closed' })[action]
if not target then return redis.error_reply('TG_BAD_ARG unknown action ' .. tostring(action)) end
if status == 'closed' and target ~= 'closed' then return { 'closed' } end
if status == target then return { 'ok', status } end

local now = now_ms()
-- writes
redis.call('HSET', META, 'status', target)
local op = ({ pause = 'paused', resume = 'resumed', close = 'closed' })[action]
redis.call('XADD', LOG, '*', 'op', op, 'at', int(now))
return { 'ok', target }
