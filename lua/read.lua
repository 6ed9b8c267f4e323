-- read.lua: an atomic read of an event for stats, lookups and audits. Writes nothing.
--
-- KEYS:   the event keys of lib.lua (ten; a program's sale adds its places)
-- ARGV:   what: "stats"  -> {meta, stock, total, cnt, now_ms}; cnt also has
--                           waiting:<pool> -> entries that rank the pool, when any wait
--               "waiting" -> {meta, stock, total, cnt, now_ms, {member, entry, ahead} or {}}
--                           with ARGV[2] = the member key
--               "entry"  -> {meta, stock, total, cnt, now_ms, {member, entry} or {}}: a
--                           lottery entry (lottery.lua), ARGV[2] = the member key
--               "lookup" -> {meta, stock, total, cnt, now_ms, {code, record} or {}}
--                           with ARGV[2] = "code"|"member", ARGV[3] = the value
--               "full"   -> {meta, stock, total, cnt, now_ms, res, member, log, holds,
--                           waitq}
--               "reread" -> {meta, stock, total, cnt, now_ms, last_log_id, {{code, record,
--                           pay_by}...}, {{member, code, wait, entry, {index...}}...}}
--                           ('' where absent), ARGV[2] = a log id, ARGV[3] = the most
--                           entries to read after it (else out[6] = 'behind'),
--                           ARGV[4] = n, then n codes, then members
--               "head"   -> {meta, stock, total, cnt, now_ms, last_log_id or ""}
--               "rate"   -> {meta, stock, total, cnt, now_ms, {n_1, ..., n_60}}: tickets
--                           reserved (or assigned from the waiting list) in each of the
--                           last 60 seconds, oldest first
--         meta, stock, total, cnt, res and member are flat HGETALL arrays; log is XRANGE - +;
--         holds is ZRANGE 0 -1 WITHSCORES (code, pay_by, ...); waitq is ZRANGE 0 -1.
-- Returns {} when the event does not exist.
-- Example: EVALSHA <sha> 10 tg:{park}:meta ... tg:{park}:waitq stats

if redis.call('EXISTS', META) == 0 then return {} end
local stock, total = redis.call('HGETALL', STOCK), redis.call('HGETALL', TOTAL)
local function map_of(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end
-- The counters, and each pool's active seats, which are not counted but what
-- the rest leaves (lib.lua `count_seats`): total - stock - held - redeemed.
-- An active:<pool> that an older build wrote is left out.
local cnt, counted = {}, map_of(redis.call('HGETALL', CNT))
for field, n in pairs(counted) do
  if string.sub(field, 1, 7) ~= 'active:' then
    cnt[#cnt + 1] = field
    cnt[#cnt + 1] = n
  end
end
local pools = redis.call('HGET', META, 'pools') or ''
local in_stock, totals = map_of(stock), map_of(total)
local function seats(v, what)
  local n = tonumber(v or '0')
  if not n then error({ err = 'TG_CORRUPT ' .. what .. ' is not a number' }) end
  return n
end
for pool in string.gmatch(pools, '[^,]+') do
  -- (A pool without stock or total is reported as corrupt by the reader.)
  if in_stock[pool] and totals[pool] then
    local active = seats(totals[pool], 'total:' .. pool) - seats(in_stock[pool], 'stock:' .. pool)
      - seats(counted['held:' .. pool], 'held:' .. pool)
      - seats(counted['redeemed:' .. pool], 'redeemed:' .. pool)
    cnt[#cnt + 1] = 'active:' .. pool
    cnt[#cnt + 1] = int(active)
  end
end
-- The waiting list per pool (entries that rank it), as more counters.
if redis.call('ZCARD', WAITQ) > 0 then
  for pool in string.gmatch(pools, '[^,]+') do
    cnt[#cnt + 1] = 'waiting:' .. pool
    cnt[#cnt + 1] = int(redis.call('ZLEXCOUNT', WAITQ, '[p|' .. pool .. '|', '(p|' .. pool .. '|~'))
  end
end
local out = { redis.call('HGETALL', META), stock, total, cnt, int(now_ms()) }

-- Entries ahead of `order` that have not lapsed (their cutoff is to come):
-- each one's read when there are at most LIVE_AHEAD_READ ahead (the places
-- a member near the front watches); past that, every entry ahead counts.
local LIVE_AHEAD_READ = 200
local function live_ahead(order)
  local n = wait_ahead(order)
  if n > LIVE_AHEAD_READ then return n end
  local now, live = now_ms(), 0
  for _, idx in ipairs(redis.call('ZRANGEBYLEX', WAITQ, '[q|', '(q|' .. order)) do
    local entry = redis.call('HGET', MEMBER, 'w:' .. string.match(idx, '^q|[^|]*|(.*)$'))
    if entry and tonumber(decode_wait(entry).cutoff) > now then live = live + 1 end
  end
  return live
end
local what = ARGV[1]
if what == 'waiting' then
  local entry = redis.call('HGET', MEMBER, 'w:' .. ARGV[2])
  out[6] = entry and { ARGV[2], entry, int(live_ahead(decode_wait(entry).order)) } or {}
elseif what == 'entry' then
  local entry = redis.call('HGET', MEMBER, 'e:' .. ARGV[2])
  out[6] = entry and { ARGV[2], entry } or {}
elseif what == 'lookup' then
  local code = ARGV[3]
  if ARGV[2] == 'member' then code = redis.call('HGET', MEMBER, ARGV[3]) end
  local record = code and redis.call('HGET', RES, code)
  out[6] = record and { code, record } or {}
elseif what == 'full' then
  out[6] = redis.call('HGETALL', RES)
  out[7] = redis.call('HGETALL', MEMBER)
  out[8] = redis.call('XRANGE', LOG, '-', '+')
  out[9] = redis.call('ZRANGE', HOLDS, 0, -1, 'WITHSCORES')
  out[10] = redis.call('ZRANGE', WAITQ, 0, -1)
elseif what == 'reread' then
  -- A paged read's last step (engine/paged.rs): the codes and members
  -- given, and every code and member the log names after ARGV[2], as they
  -- are now, with the log's end; 'behind' past ARGV[3] entries after it.
  local max = tonumber(ARGV[3])
  local tail = redis.call('XRANGE', LOG, '(' .. ARGV[2], '+', 'COUNT', max + 1)
  if #tail > max then
    out[6] = 'behind'
    return out
  end
  local codes, members, seen = {}, {}, {}
  local function add(list, kind, v)
    if not seen[kind .. v] then
      seen[kind .. v] = true
      list[#list + 1] = v
    end
  end
  local n = tonumber(ARGV[4])
  for i = 5, 4 + n do add(codes, 'c', ARGV[i]) end
  for i = 5 + n, #ARGV do add(members, 'm', ARGV[i]) end
  for _, entry in ipairs(tail) do
    local f = entry[2]
    for i = 1, #f, 2 do
      if f[i] == 'code' then add(codes, 'c', f[i + 1])
      elseif f[i] == 'member' then add(members, 'm', f[i + 1]) end
    end
  end
  local last = redis.call('XREVRANGE', LOG, '+', '-', 'COUNT', 1)[1]
  local by_code = {}
  for _, c in ipairs(codes) do
    by_code[#by_code + 1] = { c, redis.call('HGET', RES, c) or '', redis.call('ZSCORE', HOLDS, c) or '' }
  end
  local by_member = {}
  for _, m in ipairs(members) do
    local v = redis.call('HMGET', MEMBER, m, 'w:' .. m, 'e:' .. m)
    local present = {}
    if v[2] then
      for _, s in ipairs(wait_index(m, decode_wait(v[2]))) do
        if redis.call('ZSCORE', WAITQ, s) then present[#present + 1] = s end
      end
    end
    by_member[#by_member + 1] = { m, v[1] or '', v[2] or '', v[3] or '', present }
  end
  out[6] = last and last[1] or ''
  out[7] = by_code
  out[8] = by_member
elseif what == 'head' then
  -- Where a read model starts: the figures above and the log's last id.
  local last = redis.call('XREVRANGE', LOG, '+', '-', 'COUNT', 1)[1]
  out[6] = last and last[1] or ''
elseif what == 'rate' then
  -- Stream ids are the store's ms clock, so the last minute is an id range.
  local now = tonumber(out[5])
  local counts = {}
  for i = 1, 60 do counts[i] = 0 end
  for _, entry in ipairs(redis.call('XRANGE', LOG, int(now - 59999), '+')) do
    local fields = entry[2]
    if fields[2] == 'reserved' or fields[2] == 'assigned' then
      local ms = tonumber(string.match(entry[1], '^(%d+)'))
      local bucket = 60 - math.floor((now - ms) / 1000)
      if bucket >= 1 and bucket <= 60 then counts[bucket] = counts[bucket] + 1 end
    end
  end
  for i = 1, 60 do counts[i] = int(counts[i]) end
  out[6] = counts
end
return out
