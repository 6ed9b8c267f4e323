#!/usr/bin/env bash
# Where the grab script's Redis time goes: this tree's grab.lua against cut-down
# copies of it, alternately on one fresh Redis, each on its own 10,000,000-ticket
# event, with redis-benchmark (64 connections, fresh members) and INFO
# commandstats (time inside EVALSHA). The copies are measurements, not scripts
# to ship: each leaves something out, so only its cost is compared.
#
#   full      the shipped script (lib.lua + grab.lua), 9 calls
#   empty     "#!lua" + "return 1": EVALSHA itself with the same keys and ARGV
#   prelude   lib.lua + "return 1": the prelude every script runs
#   hsetnx    code collisions caught by HSETNX (undone if XADD fails): 8 calls
#   no_xadd   without the log entry            (not a valid grab)
#   no_hsets  without the two HSETs            (not a valid grab)
#   folded    a 6-call layout: stock in the meta hash, the member index in the
#             reservations hash (one HMGET reads both and the code), one HSET
#             writes record and index (another key layout: not a valid grab here)
#
#   benches/script-parts.sh [rounds] [calls]        (default 3 100000)
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3, and
# target/release/ticketgrab (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} calls=${2:-100000}
bin=target/release/ticketgrab
# shellcheck source=benches/one-redis.sh
. benches/one-redis.sh
"$bin" lua grab >"$work/full.lua"
WORK=$work python3 - <<'PY'
import os
w = os.environ["WORK"]
full = open(f"{w}/full.lua").read()
lib = full[: full.index("-- grab.lua:")]
def cut(s, old, new=""):
    assert old in s, old
    return s.replace(old, new, 1)
out = {"empty": "#!lua\nreturn 1\n", "prelude": lib + "return 1\n"}
s = cut(full, "if checked('HEXISTS', RES, code) == 1 then return { 'code_taken' } end")
s = cut(s, "local logged\n", "if checked('HSETNX', RES, code, record) == 0 then return { 'code_taken' } end\nlocal logged\n")
s = cut(s, "if type(logged) == 'table' and logged.err then\n",
        "if type(logged) == 'table' and logged.err then\n  redis.call('HDEL', RES, code)\n")
out["hsetnx"] = cut(s, "redis.call('HSET', RES, code, record)\n")
out["no_xadd"] = full[: full.index("local logged\nif hold_ms > 0 then")] + full[full.index("redis.call('HINCRBY', STOCK, pool, -seats)"):]
out["no_hsets"] = cut(full, "redis.call('HSET', RES, code, record)\nredis.call('HSET', MEMBER, member, code)\n")
out["folded"] = lib + """
local member, card, channel, code, org = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local seats_arg = ARGV[6]
local seats = tonumber(seats_arg)
local pools = { unpack(ARGV, 7) }
local q = { 'org', 'opens', 'closes', 'status', 'max_seats', 'hold_ms', 'l:draw_at' }
for i = 1, #pools do q[#q + 1] = 's:' .. pools[i] end
local meta = checked('HMGET', META, unpack(q))
if not meta[1] then return { 'unknown_event' } end
if meta[7] then return { 'lottery_sale' } end
for i = 1, #pools do if not meta[7 + i] then return { 'unknown_pool', pools[i] } end end
if seats > tonumber(meta[5] or '1') then return { 'too_many_seats', meta[5] } end
local event_org = meta[1]
if org ~= '' and org ~= event_org and string.sub(org, 1, #event_org + 1) ~= event_org .. '/' then
  return { 'not_eligible' }
end
local now = now_ms()
local mine = checked('HMGET', RES, 'm:' .. member, 'w:' .. member, code)
if mine[1] then return { 'existing', mine[1] } end
if meta[4] == 'closed' or now >= tonumber(meta[3]) then return { 'closed' } end
if meta[4] == 'paused' then return { 'paused' } end
if now < tonumber(meta[2]) then return { 'not_open', meta[2], int(now) } end
local pool = nil
for i = 1, #pools do if tonumber(meta[7 + i]) >= seats then pool = pools[i] break end end
if not pool then return { 'sold_out' } end
if mine[3] then return { 'code_taken' } end
local record = pool .. '|active|' .. channel .. '|' .. member .. '|' .. card .. '|'
  .. int(now) .. '||' .. '|' .. seats_arg .. '|'
local logged = redis.pcall('XADD', LOG, '*', 'op', 'reserved', 'code', code, 'pool', pool,
  'member', member, 'channel', channel, 'card', card, 'seats', seats_arg, 'at', int(now))
if type(logged) == 'table' and logged.err then return redis.error_reply('TG_CORRUPT ' .. logged.err) end
redis.call('HINCRBY', META, 's:' .. pool, -seats)
redis.call('HSET', RES, code, record, 'm:' .. member, code)
return { 'reserved', code, record }
"""
for name, text in out.items():
    open(f"{w}/{name}.lua", "w").write(text)
PY
variants="full empty prelude hsetnx no_xadd no_hsets folded"
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
for v in $variants; do
  # shellcheck disable=SC2046
  redis-cli -p "$port" EVALSHA "$create" 10 $(keys $v) t bj 0 9999999999999 0 1 0 0 p P 10000000 >/dev/null
  redis-cli -p "$port" HSET "tg:{$v}:meta" s:p 10000000 >/dev/null # the folded layout's stock
done
echo "== $(nproc) cores, $(date -u +%FT%TZ), 64 connections, $calls calls per measurement"
for r in $(seq "$rounds"); do
  for v in $variants; do
    sha=$(redis-cli -p "$port" SCRIPT LOAD "$(cat "$work/$v.lua")")
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    t0=$(ticks)
    # shellcheck disable=SC2046
    rate=$(redis-benchmark -p "$port" -c 64 -n "$calls" -r 2000000000 -q EVALSHA "$sha" 10 $(keys $v) \
      "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "" "" p | tr '\r' '\n' | tail -n 1 | sed 's/.* p: //;s/ requests per second.*//')
    t1=$(ticks)
    inside=$(inside_evalsha)
    printf 'round %s %-9s %9s calls/s  Redis CPU %5s µs/call  inside EVALSHA %6s µs\n' "$r" "$v" "$rate" \
      "$(python3 -c "print(f'{($t1 - $t0) * 1e6 / $hz / $calls:.1f}')")" "$inside"
  done
done
# The ones that grab must have sold (anything else measured a refusal).
for v in full hsetnx no_hsets; do
  taken=$((10000000 - $(redis-cli -p "$port" HGET "tg:{$v}:stock" p)))
  [ "$taken" -ge $((rounds * calls * 99 / 100)) ] || { echo "$v did not sell: a refusal was measured" >&2; exit 1; }
done
