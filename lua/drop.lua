-- drop.lua: removes an archived sale's live state in one step that frees
-- nothing in Redis's main thread (UNLINK: the big hashes and the stream are
-- freed in the background), if its log still ends where the archive ends.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   the archive's last log id ('' when the log is empty)
-- Returns {"ok", "dropped"} | {"ok", "moved", last_id} (nothing removed: the
--         archive is behind the log) | {"unknown_event"} (dropped before)
-- Logs    nothing: the log goes with the sale (the archive holds it).
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq 1733561234567-0

local err = guard_types()
if err then return err end
if redis.call('EXISTS', META) == 0 then return { 'unknown_event' } end
local last = redis.call('XREVRANGE', LOG, '+', '-', 'COUNT', 1)[1]
local id = last and last[1] or ''
if id ~= ARGV[1] then return { 'ok', 'moved', id } end

-- writes
-- The sale's own ten: a program's places outlive its sales.
redis.call('UNLINK', unpack(KEYS, 1, 10))
return { 'ok', 'dropped' }
