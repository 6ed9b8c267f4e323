#!/usr/bin/env bash
# The grab script of one build on a sale outside programs and on a sale of a
# program (issue 33: its keys under the program's tag, an eleventh key for
# the program's places, a cap read with the sale's settings and one more
# read and write per grab), alternately on one fresh Redis: redis-benchmark
# with the same connections, and the Redis time inside EVALSHA per call.
#
#   benches/program-ab.sh BIN [rounds] [connections] [calls]
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3.
set -euo pipefail
bin=$1 rounds=${2:-3} conns=${3:-64} calls=${4:-200000}
# shellcheck source=benches/one-redis.sh
. "$(dirname "$0")/one-redis.sh"
# A sale of program P: its ten keys under P's tag, then P's places.
program_keys() { echo "tg:{P}:$1:meta tg:{P}:$1:stock tg:{P}:$1:total tg:{P}:$1:cnt tg:{P}:$1:res tg:{P}:$1:member tg:{P}:$1:log tg:{P}:$1:holds tg:{P}:$1:pays tg:{P}:$1:waitq tg:{P}:places"; }
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
# shellcheck disable=SC2046
created=$(redis-cli -p "$port" EVALSHA "$create" 10 $(keys plain) t bj 0 9999999999999 0 1 0 0 p P 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
# The program's sale keeps the program's id and cap in its settings (a cap no
# random member reaches: every call is a grab that sells).
# shellcheck disable=SC2046
created=$(redis-cli -p "$port" EVALSHA "$create" 11 $(program_keys inp) t bj 0 9999999999999 0 1 0 2 program P cap 100 p P 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
sha=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grab)")
# A grab script from before fair windows takes no arrival stamp ("" : none).
arrived=(); if "$bin" lua grab | grep -q 'arrived_ms'; then arrived=(""); fi
echo "== $(nproc) cores, $(date -u +%FT%TZ), $conns connections, $calls grabs per measurement"
for round in $(seq "$rounds"); do
  for which in plain program; do
    if [ $which = plain ]; then n=10 k=$(keys plain); else n=11 k=$(program_keys inp); fi
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    # shellcheck disable=SC2086
    rate=$(redis-benchmark -p "$port" -c "$conns" -n "$calls" -r 2000000000 -q EVALSHA "$sha" $n $k \
      "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "${arrived[@]}" p | tr '\r' '\n' | tail -n 1 | sed 's/.* p: //')
    echo "round $round $which: $rate; inside EVALSHA $(inside_evalsha) µs"
  done
done
for e in "tg:{plain}:stock" "tg:{P}:inp:stock"; do
  taken=$((10000000 - $(redis-cli -p "$port" HGET "$e" p)))
  echo "== $e: $taken tickets taken"
  [ "$taken" -ge $((rounds * calls * 99 / 100)) ] || { echo "$e did not sell: a refusal was measured" >&2; exit 1; }
done
echo "== members with places: $(redis-cli -p "$port" HLEN "tg:{P}:places")"
