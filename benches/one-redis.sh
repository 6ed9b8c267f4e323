# Sourced by the scripts that run redis-benchmark against one fresh Redis
# (script-ab.sh, script-parts.sh, batch.sh): it starts that Redis on a free
# loopback port and stops it on exit, and gives what they all measure with.
#
#   $port, $pid, $work     the Redis's port, process id and scratch directory
#   keys EVENT             the ten keys of an event (src/store/keys.rs)
#   ticks                  the Redis's CPU time (user + system), in clock ticks
#   $hz                    clock ticks per second
#   inside_evalsha         µs per call Redis spent inside EVALSHA since the
#                          last CONFIG RESETSTAT (INFO commandstats)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
keys() { echo "tg:{$1}:meta tg:{$1}:stock tg:{$1}:total tg:{$1}:cnt tg:{$1}:res tg:{$1}:member tg:{$1}:log tg:{$1}:holds tg:{$1}:pays tg:{$1}:waitq"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
inside_evalsha() {
  redis-cli -p "$port" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p'
}
