#!/usr/bin/env bash
# redis-benchmark of the grab script exactly as ticketgrab sends it: the
# ceiling that any grab rate of ours is compared with.
#
#   benches/redis-benchmark.sh [clients ...]     (default: 1 50)
#
# Starts its own redis-server on a free port (no persistence), creates an event
# with a 10,000,000-ticket pool, and runs EVALSHA grab with a random member key
# and code per call (redis-benchmark -r replaces each __rand_int__).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=("$@")
[ $# -eq 0 ] && clients=(1 50)
command -v redis-benchmark >/dev/null || { echo "install the Debian package redis-tools" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done

cargo build --release -q
bin=target/release/ticketgrab
create=$(redis-cli -p "$port" SCRIPT LOAD "$($bin lua create)")
grab=$(redis-cli -p "$port" SCRIPT LOAD "$($bin lua grab)")
keys=(tg:{rb}:meta tg:{rb}:stock tg:{rb}:total tg:{rb}:cnt tg:{rb}:res tg:{rb}:member tg:{rb}:log tg:{rb}:holds tg:{rb}:pays tg:{rb}:waitq)
now=$(date +%s%3N)
# ARGV of create.lua: title, org, opens, closes, price, max_seats, hold_ms, no
# ticket details (0 pairs), then the pool. The answer must be "ok": an event
# that is not there would measure the unknown_event refusal, not a grab.
created=$(redis-cli -p "$port" EVALSHA "$create" "${#keys[@]}" "${keys[@]}" bench bj $((now - 1000)) $((now + 86400000)) 0 1 0 0 p pool 10000000 | head -n 1)
[ "$created" = ok ] || { echo "create.lua answered $created" >&2; exit 1; }

for c in "${clients[@]}"; do
  echo "== redis-benchmark EVALSHA grab, $c connections, unpipelined"
  # -r must fit a C int: 2e9 random values make repeats (an "existing" answer
  # instead of a new ticket) about 1 in 100,000.
  redis-benchmark -p "$port" -c "$c" -n 200000 -r 2000000000 -q \
    EVALSHA "$grab" "${#keys[@]}" "${keys[@]}" "m__rand_int__" "6217 **** **** 1234" app "c__rand_int__" bj/x 1 "" "" p |
    tr '\r' '\n' | tail -n 1 | sed 's/.*bj\/x 1 p: //'
done
echo "== tickets taken: $((10000000 - $(redis-cli -p "$port" HGET tg:{rb}:stock p)))"
