#!/usr/bin/env bash
# A local Redis Cluster for ticketgrab: 3 masters with 2 replicas each (9 nodes,
# ports BASE..BASE+8), durable (deploy/redis/redis.conf), in DIR.
#
#   deploy/redis/cluster/start.sh [DIR] [BASE]     default: ./cluster-data 7001
#   deploy/redis/cluster/start.sh stop [DIR]
#
# Two replicas per master, because with --redis-wait-replicas 1 a master whose
# only replica was promoted has none left to wait for. Then run:
#   ticketgrab serve --redis-cluster redis://ticketgrab:ticketgrab-change-me@127.0.0.1:7001,... --redis-wait-replicas 1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf="$here/../redis.conf"
admin=(--user default --pass admin-change-me --no-auth-warning)

if [ "${1:-}" = stop ]; then
  dir=${2:-./cluster-data}
  for pidfile in "$dir"/*/redis.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true; done
  exit 0
fi

dir=${1:-./cluster-data}
base=${2:-7001}
nodes=()
for i in $(seq 0 8); do
  port=$((base + i))
  mkdir -p "$dir/$port"
  # The conf's users apply to every node; replicas log in to their master as default.
  redis-server "$conf" --port "$port" --bind 127.0.0.1 --dir "$(cd "$dir/$port" && pwd)" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --masteruser default --masterauth admin-change-me \
    --daemonize yes --pidfile "$(cd "$dir/$port" && pwd)/redis.pid" --logfile "$(cd "$dir/$port" && pwd)/redis.log"
  nodes+=("127.0.0.1:$port")
done
for n in "${nodes[@]}"; do
  until redis-cli -h 127.0.0.1 -p "${n##*:}" "${admin[@]}" ping >/dev/null 2>&1; do sleep 0.1; done
done
redis-cli "${admin[@]}" --cluster create "${nodes[@]}" --cluster-replicas 2 --cluster-yes
echo "cluster on ${nodes[*]}"
