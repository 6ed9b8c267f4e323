#!/usr/bin/env bash
# Redis CPU per grab (from /proc) on one fresh Redis, redis-benchmark with the
# same connections, in turn: 5a4c446's grab.lua (before this round of issue 11,
# one grab per call, its seven keys), this tree's grab.lua (one per call), this
# tree's grabs.lua with K grabs per call (how the store sends them), and
# benches/floor.lua with K per call (the least a batched grab must do: two
# reads, four writes, no checks). Each on its own fresh members of one
# 100,000,000-ticket event.
#
#   benches/floor.sh [rounds] [connections] [grabs] [K]     (default 3 64 40000 8)
#
# Needs: redis-server, redis-benchmark, redis-cli (redis-tools), python3, git
# (for 5a4c446's script), target/release/ticketgrab (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} conns=${2:-64} grabs=${3:-40000} k=${4:-8}
bin=target/release/ticketgrab
# shellcheck source=benches/one-redis.sh
. benches/one-redis.sh
read -r -a ks <<<"$(keys bench)"
create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
redis-cli -p "$port" EVALSHA "$create" 10 "${ks[@]}" t bj 0 9999999999999 0 1 0 0 p P 100000000 >/dev/null
old=$(redis-cli -p "$port" SCRIPT LOAD "$(echo '#!lua'; git show 5a4c446:lua/lib.lua; echo; git show 5a4c446:lua/grab.lua)")
one=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grab)")
many=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua grabs)")
floor=$(redis-cli -p "$port" SCRIPT LOAD "$(cat benches/floor.lua)")
grab=("m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "" "" p)
batch=()
for _ in $(seq "$k"); do batch+=("${#grab[@]}" "${grab[@]}"); done
run() { # label sha keys grabs_per_call args...
  local label=$1 sha=$2 nkeys=$3 per=$4
  shift 4
  local calls=$((grabs / per)) t0 t1 s0 s1
  t0=$(ticks) s0=$(date +%s.%N)
  redis-benchmark -p "$port" -c "$conns" -n "$calls" -r 2000000000 -q \
    EVALSHA "$sha" "$nkeys" "${ks[@]:0:$nkeys}" "$@" >/dev/null
  t1=$(ticks) s1=$(date +%s.%N)
  python3 -c "g = $calls * $per; print(f'   {\"$label\":<22} {($t1 - $t0) * 1e6 / $hz / g:6.1f} µs of Redis CPU per grab, {g / ($s1 - $s0):8,.0f} grabs/s')"
}
echo "== Redis CPU per grab, $conns connections, $grabs grabs each ($(nproc) cores, $(date -u +%FT%TZ))"
for r in $(seq "$rounds"); do
  echo "round $r"
  run "5a4c446 grab.lua" "$old" 7 1 m__rand_int__ "6217 **** **** 1234" app c__rand_int__ bj/x p
  run "grab.lua" "$one" 10 1 "${grab[@]}"
  run "grabs.lua x$k" "$many" 10 "$k" "${batch[@]}"
  run "floor.lua x$k" "$floor" 10 "$k" "${batch[@]}"
done
