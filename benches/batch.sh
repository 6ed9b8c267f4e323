#!/usr/bin/env bash
# What sharing a call does to a grab's cost in Redis: redis-benchmark (64
# connections, fresh members) running grabs.lua with 1, 2, 4, 8, 16 and 32 grabs
# per call, and grab.lua alone (one grab per call, what the store sent before
# it batched), alternately on one fresh Redis, each on its own
# 10,000,000-ticket event. Per grab: Redis CPU (from /proc) and the time
# inside EVALSHA (INFO commandstats).
#
#   benches/batch.sh [rounds] [grabs]        (default 3 80000 grabs per measurement)
#   TG_BIN=/path/to/ticketgrab benches/batch.sh   (the scripts of another build)
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3, and
# target/release/ticketgrab (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} grabs=${2:-80000}
bin=${TG_BIN:-target/release/ticketgrab}
# shellcheck source=benches/one-redis.sh
. benches/one-redis.sh
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
sizes="1 2 4 8 16 32"
for e in alone $sizes; do
  # shellcheck disable=SC2046
  created=$(redis-cli -p "$port" EVALSHA "$create" 10 $(keys "b$e") t bj 0 9999999999999 0 1 0 0 p P 10000000 | head -n 1)
  [ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
done
one=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grab)")
many=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grabs)")
grab_args=("m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "" "" p)
echo "== $(nproc) cores, $(date -u +%FT%TZ), 64 connections, $grabs grabs per measurement"
for r in $(seq "$rounds"); do
  for e in alone $sizes; do
    if [ "$e" = alone ]; then
      sha=$one n=1 args=("${grab_args[@]}")
    else
      sha=$many n=$e args=()
      # Each __rand_int__ is drawn anew: every grab of a call is a fresh member.
      for _ in $(seq "$n"); do args+=("${#grab_args[@]}" "${grab_args[@]}"); done
    fi
    calls=$((grabs / n))
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    t0=$(ticks)
    # shellcheck disable=SC2046
    rate=$(redis-benchmark -p "$port" -c 64 -n "$calls" -r 2000000000 -q EVALSHA "$sha" 10 $(keys "b$e") "${args[@]}" |
      tr '\r' '\n' | tail -n 1 | sed 's/.*: //;s/ requests per second.*//')
    t1=$(ticks)
    inside=$(inside_evalsha)
    python3 -c "
rate, n, calls, inside = $rate, $n, $calls, $inside
cpu = ($t1 - $t0) * 1e6 / $hz / (calls * n)
label = 'grab.lua' if '$e' == 'alone' else f'grabs.lua x{n}'
print(f'round $r {label:<14} {rate * n:9.0f} grabs/s  Redis CPU {cpu:5.1f} µs/grab  inside EVALSHA {inside / n:5.1f} µs/grab')"
  done
done
# Every measured call must have sold (anything else measured a refusal).
for e in alone $sizes; do
  taken=$((10000000 - $(redis-cli -p "$port" HGET "tg:{b$e}:stock" p)))
  [ "$taken" -ge $((rounds * grabs * 99 / 100)) ] || { echo "b$e sold $taken: a refusal was measured" >&2; exit 1; }
done
