#!/usr/bin/env bash
# What a fair window's opening burst costs Redis (issue 34): one build's grab
# script, alternately on one fresh Redis, as a plain grab on a race (each
# call a ticket) and as a registration in a fair window (each call a new
# member registered: the entry, its counters and the log's "entered"),
# redis-benchmark with the same connections, and the Redis time inside
# EVALSHA per call.
#
#   benches/fair-ab.sh BIN [rounds] [connections] [calls]
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3.
set -euo pipefail
bin=$1 rounds=${2:-3} conns=${3:-64} calls=${4:-200000}
# shellcheck source=benches/one-redis.sh
. "$(dirname "$0")/one-redis.sh"
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
# ARGV of create.lua: title, org, opens, closes, price, max_seats, hold_ms,
# then field pairs (here the draw's rules, as src/domain/lottery.rs stores
# them: a window from the epoch that ends in 2286, drawn after it), the pool.
# shellcheck disable=SC2046
created=$(redis-cli -p "$port" EVALSHA "$create" 10 $(keys plain) t bj 0 9999999999999 0 1 0 0 p P 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
seed=$(printf '0%.0s' $(seq 64))
# shellcheck disable=SC2046
created=$(redis-cli -p "$port" EVALSHA "$create" 10 $(keys fair) t bj 0 9999999999999 0 1 0 4 \
  l:draw_at 9999999999998 l:public_source "" l:seed "$seed" l:fair_ms 9999999999990 p P 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
sha=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grab)")
echo "== $(nproc) cores, $(date -u +%FT%TZ), $conns connections, $calls calls per measurement"
for round in $(seq "$rounds"); do
  for which in plain fair; do
    # A plain grab carries no arrival stamp; a registration's is inside the window.
    if [ $which = plain ]; then stamp=""; else stamp=1000; fi
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    # shellcheck disable=SC2046
    rate=$(redis-benchmark -p "$port" -c "$conns" -n "$calls" -r 2000000000 -q EVALSHA "$sha" 10 $(keys $which) \
      "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "$stamp" p | tr '\r' '\n' | tail -n 1 | sed 's/.* p: //')
    echo "round $round $which: $rate; inside EVALSHA $(inside_evalsha) µs"
  done
done
taken=$((10000000 - $(redis-cli -p "$port" HGET "tg:{plain}:stock" p)))
entries=$(redis-cli -p "$port" HGET "tg:{fair}:cnt" entries)
echo "== plain: $taken tickets taken; fair: $entries registrations, $(redis-cli -p "$port" HGET "tg:{fair}:stock" p) seats untouched"
[ "$taken" -ge $((rounds * calls * 99 / 100)) ] || { echo "the plain grab did not sell: a refusal was measured" >&2; exit 1; }
[ "$entries" -ge $((rounds * calls * 99 / 100)) ] || { echo "the registrations were refused: a refusal was measured" >&2; exit 1; }
