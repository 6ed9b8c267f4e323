#!/usr/bin/env bash
# Grab throughput and latency through HTTP with Redis, the rate of sold-out
# answers after a sell-out, and in the same run the ceilings: HTTP on /healthz
# with the same tool and connections (plain wrk, and through the same wrk
# script as the grabs, so wrk spends the same per request), and
# redis-benchmark running the same grab script with the same connections.
# Last, the yardstick: examples/bare_edge.rs, the least a front end can do
# written the plain axum way (jsonwebtoken + card HMAC + a 409; and the same
# with one EVALSHA of the grab script and a 201), measured the same way, and
# the ratios of our server's CPU per answer to it.
#
#   benches/http/run.sh [connections] [seconds]      (default 64 10)
#   TG_BIN=/path/to/ticketgrab benches/http/run.sh  (another build, e.g. an older commit)
#   TG_PERF=/tmp/prof TG_BIN=target/profiling/ticketgrab benches/http/run.sh
#                                    (also a perf profile of the server per phase;
#                                     TG_PERF_ARGS="--call-graph dwarf" for perf's options)
#   TG_SYSCALLS=1 benches/http/run.sh (also the server's system calls per answer
#                                     in each phase: perf stat on tracepoints, exact)
#
# Needs: redis-server, redis-benchmark (redis-tools), wrk, python3; perf (linux-perf)
# for TG_PERF and TG_SYSCALLS.
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=${1:-64}
secs=${2:-10}
threads=2
for tool in redis-server redis-benchmark wrk python3; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y redis-server redis-tools wrk)" >&2; exit 1; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
rport=$(free_port); hport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
pids=($!)
redis_pid=$!
trap 'kill ${pids[*]} 2>/dev/null; rm -rf "$work"' EXIT
until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done

# TG_BIN runs another build of the service (an A/B against an older commit).
# This tree's build always: the yardstick runs its scripts, whatever TG_BIN is.
cargo build --release -q --bin ticketgrab --example bare_edge
cur=target/release/ticketgrab
bin=${TG_BIN:-target/release/ticketgrab}
secret=bench-member-secret
export TG_MEMBER_SECRET=$secret TG_STAFF_SECRET=bench-staff-secret TG_CARD_SECRET=bench-card-secret
$bin serve --listen 127.0.0.1:$hport --redis-url redis://127.0.0.1:$rport --ip-rate 0 \
  --member-rate 100 --max-in-flight 100000 ${TG_SERVE_ARGS:-} >"$work/server.log" 2>&1 &
pids+=($!)
server_pid=$!
# CPU time (user + system) of a process, in clock ticks, from /proc.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# Runs wrk with the given arguments and prints its figures, then the CPU the
# server and Redis spent per answer during the run.
# The server measured is $measured (default: ours); its CPU per answer and the
# answers/s are left in $last_cpu and $last_rate.
measured_wrk() {
  local s0 r0 out n srv=${measured:-$server_pid}
  s0=$(ticks $srv); r0=$(ticks $redis_pid)
  local perf_pid=""
  if [ -n "${TG_PERF:-}" ]; then
    mkdir -p "$TG_PERF"; phase=$((${phase:-0} + 1))
    perf record ${TG_PERF_ARGS:--g} -o "$TG_PERF/phase$phase.data" -p $srv 2>/dev/null >/dev/null &
    perf_pid=$!
  fi
  local stat_pid=""
  if [ -n "${TG_SYSCALLS:-}" ]; then
    local events=raw_syscalls:sys_enter call
    for call in recvfrom writev write sendto epoll_wait futex; do events+=",syscalls:sys_enter_$call"; done
    perf stat -e "$events" -p $srv -o "$work/syscalls.stat" &
    stat_pid=$!
  fi
  out=$(wrk "$@")
  if [ -n "$perf_pid" ]; then kill -INT $perf_pid; wait $perf_pid || true; fi
  if [ -n "$stat_pid" ]; then kill -INT $stat_pid; wait $stat_pid || true; fi
  echo "$out" | grep -E 'Requests/sec|50%|90%|99%|status'
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  last_cpu=$(cpu_per $srv "$s0" "$n")
  last_rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  last_n=$n
  echo "   CPU per answer: server $last_cpu µs, redis $(cpu_per $redis_pid "$r0" "$n") µs"
  if [ -n "$stat_pid" ]; then
    awk -v n="$n" '/sys_enter/ {gsub(",", "", $1); sub(/^[a-z_]*:(sys_enter_)?/, "", $2)
      if ($2 == "sys_enter") $2 = "all"; line = line sprintf(" %s %.3f", $2, $1 / n)}
      END {print "   system calls per answer:" line}' "$work/syscalls.stat"
  fi
}
# Script calls Redis has served (EVALSHA), from INFO commandstats.
evalsha_calls() {
  redis-cli -p "$rport" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p'
}
cpu_per() { # pid ticks_before answers
  python3 -c "print(f'{($(ticks $1) - $2) * 1e6 / $hz / $3:.1f}')"
}
until curl -sf localhost:$hport/readyz >/dev/null; do sleep 0.1; done
admin=$($bin token staff --id bench --role admin --org bj)
now=$(date +%s)
create() { # id total
  curl -sf -X POST localhost:$hport/api/v1/admin/events -H "Authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"id\":\"$1\",\"title\":\"$1\",\"org\":\"bj\",\"opens_at\":\"$(date -u -d @$((now-5)) +%FT%TZ)\",\"closes_at\":\"$(date -u -d @$((now+3600)) +%FT%TZ)\",\"price_fen\":0,\"pools\":[{\"id\":\"p\",\"title\":\"p\",\"total\":$2}]}" >/dev/null
}
create big 10000000
create small 1000
# Redis alone, for the ceiling: an event the server never sells, so no front
# end follows its log while redis-benchmark grabs from it.
create ceiling 10000000
python3 benches/http/tokens.py 400000 "$secret" 12351 bj/x >"$work/tokens.txt"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%FT%TZ)"
echo "== grabs through HTTP (distinct members, stock never runs out), $conns connections, ${secs}s"
redis-cli -p "$rport" CONFIG RESETSTAT >/dev/null
calls0=$(evalsha_calls)
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "http://127.0.0.1:$hport" \
  -- "$work/tokens.txt" /api/v1/events/big/reservations p $threads
ours_grab=$last_cpu
# The store sends the grabs that wait for their event's call together (an
# older build: one call per grab).
echo "   grabs per script call: $(python3 -c "print(f'{$last_n / max(1, $(evalsha_calls) - ${calls0:-0}):.2f}')")"
# Where Redis's time went (INFO commandstats): inside the grab scripts, and
# reading the log for the front end's read model (XRANGE), per grab.
usec_of() { redis-cli -p "$rport" INFO commandstats | tr -d '\r' | sed -n "s/^cmdstat_$1:calls=[0-9]*,usec=\([0-9]*\),.*/\1/p"; }
in_eval=$(usec_of evalsha) in_xrange=$(usec_of xrange)
echo "   Redis time per grab: $(python3 -c "print(f'{${in_eval:-0} / $last_n:.1f}')") µs inside EVALSHA, $(python3 -c "print(f'{${in_xrange:-0} / $last_n:.2f}')") µs in XRANGE (the front end following the log)"
echo "== sold-out answers (1,000 tickets, then everyone else), $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "http://127.0.0.1:$hport" \
  -- "$work/tokens.txt" /api/v1/events/small/reservations p $threads
ours_sold=$last_cpu; ours_sold_rate=$last_rate
echo "== ceiling: GET /healthz, $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$hport/healthz"
ours_health=$last_cpu; ours_health_rate=$last_rate
echo "== ceiling: GET /healthz through the grab script (same per-request work in wrk), $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "http://127.0.0.1:$hport" \
  -- "$work/tokens.txt" /healthz p $threads GET
echo "== ceiling: redis-benchmark EVALSHA grab, $conns connections"
grab=$(redis-cli -p "$rport" SCRIPT LOAD "$($bin lua grab)")
# A grab script from before family seats takes no seat count before the pools.
seats=""; if $bin lua grab | grep -q 'seats (1-6)'; then seats=1; fi
mapfile -t keys < <($bin keys ceiling)
r0=$(ticks $redis_pid)
redis-benchmark -p "$rport" -c "$conns" -n 300000 -r 2000000000 -q \
  EVALSHA "$grab" "${#keys[@]}" "${keys[@]}" "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x $seats p |
  tr '\r' '\n' | tail -n 1 | sed 's/.* p: //'
echo "   CPU per call: redis $(cpu_per $redis_pid "$r0" 300000) µs"

# The yardstick, on the same machine in the same run.
# start_bare [redis-url sha keys...]: starts it on a free port ($bport) and
# makes it the server measured_wrk measures.
start_bare() {
  bport=$(free_port)
  target/release/examples/bare_edge 127.0.0.1:$bport "$@" >"$work/bare.log" 2>&1 &
  pids+=($!); measured=$!
  until curl -sf localhost:$bport/healthz >/dev/null; do sleep 0.05; done
}
start_bare
echo "== yardstick: bare axum sold-out (jsonwebtoken + card HMAC + 409), $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "http://127.0.0.1:$bport" \
  -- "$work/tokens.txt" /api/v1/events/small/reservations p $threads
bare_sold=$last_cpu
echo "== yardstick: bare axum GET /healthz, $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$bport/healthz"
bare_health=$last_cpu
kill $measured; wait $measured 2>/dev/null || true
# The yardstick's grabs: an event no server of ours sells, created by this
# tree's create.lua (title, org, opens, closes, price, max_seats, hold_ms, no
# ticket details, the pool), so an older TG_BIN is measured against the same
# yardstick.
mapfile -t bare_keys < <($cur keys bare)
bare_script=$(redis-cli -p "$rport" SCRIPT LOAD "$($cur lua grab)")
bare_create=$(redis-cli -p "$rport" SCRIPT LOAD "$($cur lua create)")
created=$(redis-cli -p "$rport" EVALSHA "$bare_create" "${#bare_keys[@]}" "${bare_keys[@]}" bare bj \
  $(((now - 5) * 1000)) $(((now + 3600) * 1000)) 0 1 0 0 p pool 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }
start_bare redis://127.0.0.1:$rport "$bare_script" "${bare_keys[@]}"
echo "== yardstick: bare axum grab (jsonwebtoken + card HMAC + one EVALSHA + 201), $conns connections, ${secs}s"
measured_wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "http://127.0.0.1:$bport" \
  -- "$work/tokens.txt" /api/v1/events/bare/reservations p $threads
bare_grab=$last_cpu
python3 - "$ours_sold" "$bare_sold" "$ours_grab" "$bare_grab" "$ours_health" "$bare_health" "$ours_sold_rate" "$ours_health_rate" <<'EOF'
import sys
os_, bs, og, bg, oh, bh, osr, ohr = map(float, sys.argv[1:])
print("== ratios in this run (server CPU per answer)")
print(f"   sold-out: ours {os_:.1f} µs / bare {bs:.1f} µs = {os_ / bs:.2f}")
print(f"   grab:     ours {og:.1f} µs / bare {bg:.1f} µs = {og / bg:.2f}")
print(f"   /healthz: ours {oh:.1f} µs / bare {bh:.1f} µs = {oh / bh:.2f}")
print(f"   sold-out answers/s / our /healthz answers/s = {osr / ohr:.2f}")
EOF
