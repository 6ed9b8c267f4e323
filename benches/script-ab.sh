#!/usr/bin/env bash
# The grab script of two builds, alternately on one fresh Redis: redis-benchmark
# with the same connections on two fresh 10,000,000-ticket events (created by
# NEW_BIN's create script: ten keys; an older grab script ignores the ones it
# does not know), and the Redis CPU (from /proc) per call, and of it the time
# Redis spent inside EVALSHA (INFO commandstats: the script, not the network).
#
#   benches/script-ab.sh NEW_BIN OLD_BIN [rounds] [connections] [calls]
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3.
set -euo pipefail
new=$1 old=$2 rounds=${3:-3} conns=${4:-64} calls=${5:-200000}
# shellcheck source=benches/one-redis.sh
. "$(dirname "$0")/one-redis.sh"
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$new" lua create)")
for e in new old; do
  # shellcheck disable=SC2046
  # ARGV of create.lua: title, org, opens, closes, price, max_seats, hold_ms,
  # no ticket details (0 pairs), the pool. Anything but "ok" would measure a refusal.
  created=$(redis-cli -p "$port" EVALSHA "$create" 10 $(keys $e) t bj 0 9999999999999 0 1 0 0 p P 10000000 | head -n 1)
  [ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
done
sha_new=$(redis-cli -p "$port" SCRIPT LOAD "$("$new" lua grab)")
sha_old=$(redis-cli -p "$port" SCRIPT LOAD "$("$old" lua grab)")
# A grab script from before family seats takes no seat count before the pools.
seats_arg() { if "$1" lua grab | grep -q 'seats (1-6)'; then echo 1; fi; }
seats_new=$(seats_arg "$new"); seats_old=$(seats_arg "$old")
# One from before fair windows takes no arrival stamp either ("" : none).
arrived_new=(); arrived_old=()
if "$new" lua grab | grep -q 'arrived_ms'; then arrived_new=(""); fi
if "$old" lua grab | grep -q 'arrived_ms'; then arrived_old=(""); fi
# One from before kept parts takes no member's groups after it.
if "$new" lua grab | grep -q 'groups (the member'; then arrived_new+=(""); fi
if "$old" lua grab | grep -q 'groups (the member'; then arrived_old+=(""); fi
echo "== $(nproc) cores, $(date -u +%FT%TZ), $conns connections, $calls grabs per measurement"
for round in $(seq "$rounds"); do
  for which in new old; do
    sha=$sha_new seats=$seats_new arrived=("${arrived_new[@]}")
    [ $which = old ] && sha=$sha_old seats=$seats_old arrived=("${arrived_old[@]}")
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    t0=$(ticks)
    # shellcheck disable=SC2046
    rate=$(redis-benchmark -p "$port" -c "$conns" -n "$calls" -r 2000000000 -q EVALSHA "$sha" 10 $(keys $which) \
      "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x $seats "${arrived[@]}" p | tr '\r' '\n' | tail -n 1 | sed 's/.* p: //')
    t1=$(ticks)
    # Redis's own time inside EVALSHA (the script and its calls, not the network).
    inside=$(inside_evalsha)
    echo "round $round $which: $rate; Redis CPU per call $(python3 -c "print(f'{($t1 - $t0) * 1e6 / $hz / $calls:.1f}')") µs, of which inside EVALSHA $inside µs"
  done
done
# Every call must have been a grab that sold (a few random repeats are retries).
for e in new old; do
  taken=$((10000000 - $(redis-cli -p "$port" HGET "tg:{$e}:stock" p)))
  echo "== $e: $taken tickets taken"
  [ "$taken" -ge $((rounds * calls * 99 / 100)) ] || { echo "the $e script did not sell: a refusal was measured" >&2; exit 1; }
done
