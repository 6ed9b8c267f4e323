#!/usr/bin/env bash
# Instructions per answer, counted by valgrind's callgrind: on this shared,
# noisy machine CPU time moves ±30 % between runs, an instruction count does
# not. User space only (the kernel's share, ~half of an answer, is not seen),
# and SHA-256 runs in software under valgrind (no SHA-NI), so the script also
# prints the count without it.
#
#   benches/callgrind.sh server [BIN]      N sold-out answers of BIN serve (default
#                                          target/profiling/ticketgrab), fresh tokens
#   benches/callgrind.sh bare              the same of examples/bare_edge (the yardstick)
#   benches/callgrind.sh redis BIN K CALLS Redis's instructions per grab: CALLS calls of
#                                          grabs.lua with K grabs each (K = 0: grab.lua)
#                                          with BIN's scripts
#   benches/callgrind.sh redis FILE.lua K CALLS
#                                          the same with the script in FILE.lua (e.g.
#                                          benches/floor.lua, or an older commit's grab.lua:
#                                          CG_NKEYS=7 CG_SEATS= CG_ARRIVED=0 CG_GROUPS=0 for
#                                          5a4c446's; BENCHMARKS §18; CG_GROUPS=0 for a build
#                                          before kept parts, §25; CG_KEPT=1: a hardship
#                                          member's grab from a share of the pool, §25)
#
#   CG_KEEP=DIR benches/callgrind.sh ...    also keeps the dump in DIR, for
#                                          callgrind_annotate --inclusive=yes
#
# Needs: valgrind, wrk, redis-server, redis-tools, python3; for server/bare
# `cargo build --profile profiling --bin ticketgrab --example bare_edge`.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind callgrind_control callgrind_annotate wrk redis-server redis-benchmark python3; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y valgrind wrk redis-server redis-tools)" >&2; exit 1; }
done
mode=${1:?server, bare or redis}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
trap 'kill ${pids[*]} 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# The total of a callgrind dump ($1), in instructions.
# Keeps a dump ($1) in $CG_KEEP when it is set.
keep() { if [ -n "${CG_KEEP:-}" ]; then mkdir -p "$CG_KEEP" && cp "$1" "$CG_KEEP/$mode.out"; fi; }
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
# Instructions inside sha2's compression function (inclusive), in a dump.
sha() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk '/sha2::sha256::compress256 \[/ && !n {gsub(",", "", $1); n = $1} END {print n + 0}'
}
# Waits for URL $2 while process $1 lives.
wait_up() {
  until curl -sf "$2" >/dev/null; do
    kill -0 "$1" 2>/dev/null || { echo "the server exited: $(tail -n 3 "$work/server.log")" >&2; exit 1; }
    sleep 0.3
  done
}

if [ "$mode" = redis ]; then
  bin=${2:?BIN} per=${3:?K} calls=${4:?CALLS}
  port=$(free_port)
  valgrind --tool=callgrind --callgrind-out-file="$work/redis.out" redis-server --port "$port" \
    --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
  pids+=($!); vp=$!
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.2; done
  # A script file instead of a build: the event is created by this tree's scripts.
  file=""; case $bin in *.lua) file=$bin bin=target/release/ticketgrab ;; esac
  mapfile -t keys < <("$bin" keys bench)
  create=$(redis-cli -p "$port" SCRIPT LOAD "$("$bin" lua create)")
  # CG_KEPT=1: the pool keeps 5,000,000 of its seats for `hardship` (a share
  # released at the close) and the grab is a hardship member's, from it.
  kept=(0) groups=""
  if [ "${CG_KEPT:-0}" = 1 ]; then
    kept=(3 kept:p g,hardship,5000000,9999999999998 kept p next_rel 9999999999998) groups=hardship
  fi
  redis-cli -p "$port" EVALSHA "$create" 10 "${keys[@]}" t bj 0 9999999999999 0 1 0 "${kept[@]}" p P 10000000 >/dev/null
  # An older grab.lua may know fewer keys (CG_NKEYS), take no seat count (CG_SEATS=),
  # no arrival stamp (CG_ARRIVED=0) or no member's groups (CG_GROUPS=0; before issue 35's
  # kept parts).
  nkeys=${CG_NKEYS:-10} keys=("${keys[@]:0:${CG_NKEYS:-10}}")
  # shellcheck disable=SC2206
  grab_args=("m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x ${CG_SEATS-1})
  [ "${CG_ARRIVED:-1}" = 0 ] || grab_args+=("")
  [ "${CG_GROUPS:-1}" = 0 ] || grab_args+=("$groups")
  grab_args+=(p)
  if [ "$per" = 0 ]; then
    n=1 args=("${grab_args[@]}")
  else
    n=$per args=()
    for _ in $(seq "$per"); do args+=("${#grab_args[@]}" "${grab_args[@]}"); done
  fi
  if [ -n "$file" ]; then src=$(cat "$file"); elif [ "$per" = 0 ]; then src=$("$bin" lua grab); else src=$("$bin" lua grabs); fi
  sha=$(redis-cli -p "$port" SCRIPT LOAD "$src")
  bench() { redis-benchmark -p "$port" -c 8 -n "$1" -r 2000000000 -q EVALSHA "$sha" "$nkeys" "${keys[@]}" "${args[@]}" >/dev/null; }
  bench 200
  callgrind_control -z $vp >/dev/null
  bench "$calls"
  callgrind_control -d $vp >/dev/null
  keep "$work/redis.out.1"
  ir=$(total "$work/redis.out.1")
  python3 -c "print(f'redis: {$ir / ($calls * $n):,.0f} instructions per grab ($calls calls of $n)')"
  exit 0
fi

export TG_MEMBER_SECRET=bench-member-secret TG_STAFF_SECRET=bench-staff-secret TG_CARD_SECRET=bench-card-secret
python3 benches/http/tokens.py 60000 "$TG_MEMBER_SECRET" 12351 bj/x >"$work/tokens.txt"
head -n 20000 "$work/tokens.txt" >"$work/warm.txt"; tail -n 40000 "$work/tokens.txt" >"$work/measure.txt"
hport=$(free_port)
if [ "$mode" = bare ]; then
  valgrind --tool=callgrind --callgrind-out-file="$work/server.out" \
    target/profiling/examples/bare_edge 127.0.0.1:$hport >"$work/server.log" 2>&1 &
  pids+=($!); sp=$!
  wait_up $sp localhost:$hport/healthz
else
  bin=${2:-target/profiling/ticketgrab}
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
  pids+=($!)
  until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done
  valgrind --tool=callgrind --callgrind-out-file="$work/server.out" "$bin" serve --listen 127.0.0.1:$hport \
    --redis-url redis://127.0.0.1:$rport --ip-rate 0 --member-rate 100 --max-in-flight 100000 >"$work/server.log" 2>&1 &
  pids+=($!); sp=$!
  wait_up $sp localhost:$hport/readyz
  admin=$("$bin" token staff --id bench --role admin --org bj)
  now=$(date +%s)
  curl -sf -X POST localhost:$hport/api/v1/admin/events -H "Authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"id\":\"small\",\"title\":\"small\",\"org\":\"bj\",\"opens_at\":\"$(date -u -d @$((now - 5)) +%FT%TZ)\",\"closes_at\":\"$(date -u -d @$((now + 3600)) +%FT%TZ)\",\"price_fen\":0,\"pools\":[{\"id\":\"p\",\"title\":\"p\",\"total\":100}]}" >/dev/null
fi
grab() { wrk -t1 -c8 -d"$1" -s benches/http/grab.lua "http://127.0.0.1:$hport" -- "$2" /api/v1/events/small/reservations p 1; }
# Sells the 100 tickets and warms up; then counts fresh members' sold-out answers.
grab 4s "$work/warm.txt" >/dev/null
callgrind_control -z $sp >/dev/null
out=$(grab 8s "$work/measure.txt")
callgrind_control -d $sp >/dev/null
n=$(echo "$out" | awk '/requests in/ {print $1}')
echo "$out" | grep -E 'status' || true
keep "$work/server.out.1"
ir=$(total "$work/server.out.1"); sh=$(sha "$work/server.out.1")
python3 -c "print(f'$mode: {$ir / $n:,.0f} instructions per sold-out answer, {($ir - $sh) / $n:,.0f} without SHA-256 ($n answers)')"
