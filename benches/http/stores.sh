#!/usr/bin/env bash
# Grabs/s through HTTP on the three stores in one run, alternately: the
# embedded store in memory (--memory, keeps nothing), the durable embedded
# store (its journal fsynced before each answer, group commit), and Redis with
# `appendonly yes` + `appendfsync always` (the promise the durable embedded
# store makes). Every request is a grab by a fresh member; the stock never
# runs out. Prints wrk's figures and the CPU per answer of the server (and
# of Redis).
#
#   benches/http/stores.sh [connections] [seconds] [rounds]   (default 64 10 3)
#
# Needs: redis-server, wrk, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=${1:-64}
secs=${2:-10}
rounds=${3:-3}
threads=2
for tool in redis-server wrk python3 curl; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y redis-server wrk curl)" >&2; exit 1; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
trap 'kill ${pids[*]} 2>/dev/null; rm -rf "$work"' EXIT
cargo build --release -q
bin=target/release/ticketgrab
secret=bench-member-secret
export TG_MEMBER_SECRET=$secret TG_STAFF_SECRET=bench-staff-secret TG_CARD_SECRET=bench-card-secret
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
cpu_per() { python3 -c "print(f'{($(ticks $1) - $2) * 1e6 / $hz / $3:.1f}')"; }
python3 benches/http/tokens.py 400000 "$secret" 12351 bj/x >"$work/tokens.txt"
admin=$($bin token staff --id bench --role admin --org bj)

# Starts the server with the given store flags; sets server_pid, base.
start_server() {
  local port; port=$(free_port)
  $bin serve --listen 127.0.0.1:$port --ip-rate 0 --member-rate 100 --max-in-flight 100000 \
    "$@" >"$work/server-$port.log" 2>&1 &
  server_pid=$!; pids+=($server_pid); base="http://127.0.0.1:$port"
  until curl -sf $base/readyz >/dev/null; do sleep 0.05; done
  local now; now=$(date +%s)
  curl -sf -X POST $base/api/v1/admin/events -H "Authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"id\":\"big\",\"title\":\"big\",\"org\":\"bj\",\"opens_at\":\"$(date -u -d @$((now-5)) +%FT%TZ)\",\"closes_at\":\"$(date -u -d @$((now+3600)) +%FT%TZ)\",\"price_fen\":0,\"pools\":[{\"id\":\"p\",\"title\":\"p\",\"total\":10000000}]}" >/dev/null
}

# One measured run on the running server (and Redis, when $1 is its pid).
measure() {
  local redis_pid=${1:-} s0 r0 out n
  s0=$(ticks $server_pid); [ -n "$redis_pid" ] && r0=$(ticks $redis_pid)
  out=$(wrk -t$threads -c"$conns" -d"${secs}s" --latency -s benches/http/grab.lua "$base" \
    -- "$work/tokens.txt" /api/v1/events/big/reservations p $threads)
  echo "$out" | grep -E 'Requests/sec|50%|99%|status'
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo -n "   CPU per answer: server $(cpu_per $server_pid "$s0" "$n") µs"
  [ -n "$redis_pid" ] && echo -n ", redis $(cpu_per $redis_pid "$r0" "$n") µs"
  echo
}

stop_server() { kill $server_pid; wait $server_pid 2>/dev/null || true; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%FT%TZ)"
echo "== grabs through HTTP, fresh members, $conns connections, ${secs}s, $rounds rounds"
for round in $(seq 1 "$rounds"); do
  echo "-- round $round: memory (--memory, not durable)"
  start_server --memory
  measure
  stop_server

  echo "-- round $round: durable embedded (journal, fsync per batch)"
  rm -rf "$work/data"
  start_server --data-dir "$work/data"
  measure
  stop_server
  echo "   journal: $(du -h "$work/data/journal" | cut -f1)"

  echo "-- round $round: Redis, appendfsync always"
  rport=$(free_port)
  rm -rf "$work/redis"; mkdir "$work/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
    --dir "$work/redis" >"$work/redis.log" 2>&1 &
  redis_pid=$!; pids+=($redis_pid)
  until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done
  start_server --redis-url redis://127.0.0.1:$rport
  measure $redis_pid
  stop_server
  kill $redis_pid; wait $redis_pid 2>/dev/null || true
done
