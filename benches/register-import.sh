#!/usr/bin/env bash
# A member register of ROWS cards imported over HTTP (issue 35): how long
# the import takes, and what the store feels meanwhile — the longest a
# station's register lookup waited while the import ran (a loop of
# `POST /admin/register/lookup`, one at a time) and, on Redis, the longest
# command Redis ran (SLOWLOG, everything over 1 ms).
#
#   benches/register-import.sh BIN [rows] [embedded|redis]
#
# Needs: curl, python3; redis-server and redis-cli for `redis`.
set -euo pipefail
bin=$1 rows=${2:-1000000} store=${3:-embedded}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The register: valid union cards (Luhn), 16 district unions, every tenth
# member in `hardship`.
python3 - "$rows" > "$work/register.csv" <<'PY'
import sys
def luhn(body):
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            if n > 9: n -= 9
        total += n
    return body + str((10 - total % 10) % 10)
orgs = ["bj/d%02d/s%d" % (d, s) for d in range(16) for s in range(4)]
out = ["card,org,groups"]
for i in range(int(sys.argv[1])):
    out.append("%s,%s,%s" % (luhn("621788%012d" % i), orgs[i % len(orgs)], "hardship" if i % 10 == 0 else ""))
print("\n".join(out))
PY
export TG_MEMBER_SECRET=bench-member TG_STAFF_SECRET=bench-staff TG_CARD_SECRET=bench-card
port=$(free_port)
flags=(serve --listen "127.0.0.1:$port" --ip-rate 0)
if [ "$store" = redis ]; then
  rport=$(free_port)
  # Durable as deploy/redis/redis.conf: every write fsynced.
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
    --dir "$work" --slowlog-log-slower-than 1000 --slowlog-max-len 100000 >/dev/null &
  pids+=($!)
  until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done
  flags+=(--redis-url "redis://127.0.0.1:$rport")
else
  flags+=(--data-dir "$work/data")
fi
"$bin" "${flags[@]}" > "$work/server.log" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
rss_before=$(( $(ps -o rss= -p "$server") / 1024 ))
admin=$("$bin" token staff --id bench --role admin --org bj)
api="http://127.0.0.1:$port/api/v1/admin/register"
# The probe: one lookup after another until the import is done.
(
  while [ ! -e "$work/done" ]; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $admin" \
      -H 'Content-Type: application/json' -d '{"card":"6217880000000000006"}' "$api/lookup"
  done
) > "$work/probe" &
pids+=($!)
echo "== $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%FT%TZ), $store store, $rows rows ($(du -m "$work/register.csv" | cut -f1) MB)"
curl -s -o "$work/report.json" -w 'import: %{time_total} s, HTTP %{http_code}\n' -H "Authorization: Bearer $admin" \
  -H 'Content-Type: text/csv' --data-binary @"$work/register.csv" "$api"
touch "$work/done"
wait "${pids[-1]}" 2>/dev/null || true
python3 - "$work/report.json" "$work/probe" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("report: rows %(rows)d, set %(set)d, added %(added)d, refused %(refused)d, members %(members)d" % r)
t = sorted(float(x) * 1000 for x in open(sys.argv[2]) if x.strip())
if t:
    print("lookups during the import: %d, median %.1f ms, p99 %.1f ms, max %.1f ms"
          % (len(t), t[len(t) // 2], t[int(len(t) * 0.99)], t[-1]))
PY
# What holding the register costs: the front end's resident memory (the
# embedded store keeps it there), and Redis's own count.
echo "front end RSS: $rss_before MB before the import, $(( $(ps -o rss= -p "$server") / 1024 )) MB after"
if [ "$store" = redis ]; then
  echo "Redis used_memory: $(redis-cli -p "$rport" INFO memory | tr -d '\r' | sed -n 's/^used_memory_human://p')"
  redis-cli -p "$rport" SLOWLOG GET 100000 | python3 -c '
import sys
lines = [l.strip() for l in sys.stdin]
# SLOWLOG GET: id, timestamp, duration (µs), then the command: durations are
# the third line of each entry; the command name follows.
ds = [(int(lines[i + 2]), lines[i + 3]) for i in range(len(lines) - 3)
      if lines[i].isdigit() and lines[i + 1].isdigit() and lines[i + 2].isdigit() and lines[i + 3] in ("HSET", "HDEL", "HGET", "HLEN")]
print("Redis commands over 1 ms: %d; longest %.1f ms" % (len(ds), max((d for d, _ in ds), default=0) / 1000))'
fi
grep -h "register was imported" "$work/server.log" | tail -n 1
