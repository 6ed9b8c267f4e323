#!/usr/bin/env bash
# System calls per sold-out answer, our server against the yardstick
# (examples/bare_edge.rs): wrk sells out a 1,000-ticket event, then sends fresh
# members for a few seconds to each server in turn while `perf stat` counts the
# server's system calls (tracepoints, so the count is exact, not sampled).
# About half of a sold-out answer's CPU is the kernel's (BENCHMARKS.md §17):
# this says whether our server makes more calls per answer than plain axum.
#
#   benches/syscalls.sh [connections] [seconds]      (default 64 5)
#   TG_BIN=/path/to/ticketgrab benches/syscalls.sh  (another build)
#
# Needs: perf (linux-perf), redis-server, redis-tools, wrk, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-64} secs=${2:-5}
for tool in perf redis-server redis-cli wrk python3; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y linux-perf redis-server redis-tools wrk)" >&2; exit 1; }
done
cargo build --release -q --bin ticketgrab --example bare_edge
bin=${TG_BIN:-target/release/ticketgrab}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
rport=$(free_port) hport=$(free_port) bport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
pids=($!)
trap 'kill ${pids[*]} 2>/dev/null; rm -rf "$work"' EXIT
until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done
export TG_MEMBER_SECRET=bench-member-secret TG_STAFF_SECRET=bench-staff-secret TG_CARD_SECRET=bench-card-secret
$bin serve --listen 127.0.0.1:$hport --redis-url redis://127.0.0.1:$rport --ip-rate 0 \
  --member-rate 100 --max-in-flight 100000 >"$work/server.log" 2>&1 &
pids+=($!); ours=$!
target/release/examples/bare_edge 127.0.0.1:$bport >"$work/bare.log" 2>&1 &
pids+=($!); bare=$!
until curl -sf localhost:$hport/readyz >/dev/null; do sleep 0.1; done
until curl -sf localhost:$bport/healthz >/dev/null; do sleep 0.05; done
admin=$($bin token staff --id bench --role admin --org bj)
now=$(date +%s)
curl -sf -X POST localhost:$hport/api/v1/admin/events -H "Authorization: Bearer $admin" -H 'content-type: application/json' \
  -d "{\"id\":\"small\",\"title\":\"small\",\"org\":\"bj\",\"opens_at\":\"$(date -u -d @$((now - 5)) +%FT%TZ)\",\"closes_at\":\"$(date -u -d @$((now + 3600)) +%FT%TZ)\",\"price_fen\":0,\"pools\":[{\"id\":\"p\",\"title\":\"p\",\"total\":1000}]}" >/dev/null
python3 benches/http/tokens.py 200000 "$TG_MEMBER_SECRET" 12351 bj/x >"$work/tokens.txt"
grab() { # port seconds
  wrk -t2 -c"$conns" -d"$2s" -s benches/http/grab.lua "http://127.0.0.1:$1" -- "$work/tokens.txt" /api/v1/events/small/reservations p 2
}
grab $hport 2 >/dev/null # sells the 1,000 tickets
events=raw_syscalls:sys_enter
for call in recvfrom writev write sendto epoll_wait futex; do events+=",syscalls:sys_enter_$call"; done
echo "== system calls per sold-out answer, $conns connections, ${secs}s ($(nproc) cores, $(date -u +%FT%TZ))"
for who in "ours $ours $hport" "bare $bare $bport"; do
  read -r name pid port <<<"$who"
  perf stat -e "$events" -p "$pid" -o "$work/$name.stat" &
  perf_pid=$!
  sleep 0.2
  out=$(grab "$port" "$secs")
  kill -INT $perf_pid; wait $perf_pid || true
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$name: $n answers, $(echo "$out" | awk '/Requests\/sec/ {print $2}') answers/s"
  awk -v n="$n" '/sys_enter/ {gsub(",", "", $1); sub(/^[a-z_]*:(sys_enter_)?/, "", $2); if ($2 == "sys_enter") $2 = "all calls"; printf "   %-12s %6.3f per answer\n", $2, $1 / n}' "$work/$name.stat"
done
