#!/usr/bin/env bash
# How long the service takes to start on a journal: from exec to "listening"
# (the store rebuilt), and its memory then. N runs, each figure printed, then
# the median.
#
#   TG_BENCH_KEEP=/tmp/j1m cargo bench --bench journal   (writes a 1,000,000-change journal)
#   benches/startup.sh /tmp/j1m [runs]                    (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?the data directory}
runs=${2:-7}
cargo build --release -q
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%FT%TZ)"
echo "== journal: $(du -h "$dir/journal" | cut -f1), $runs starts"
times=()
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  start=$(date +%s%N)
  target/release/ticketgrab serve --data-dir "$dir" --listen 127.0.0.1:0 --log-format json >"$log" 2>&1 &
  pid=$!
  until grep -q listening "$log"; do sleep 0.005; done
  end=$(date +%s%N)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  read -r utime stime < <(awk '{print $14, $15}' /proc/$pid/stat)
  kill $pid; wait $pid 2>/dev/null || true
  ms=$(( (end - start) / 1000000 ))
  records=$(grep -o '"records":[0-9]*' "$log" | cut -d: -f2)
  hz=$(getconf CLK_TCK)
  echo "   start $i: ${ms} ms to listening, $records records, RSS $((rss / 1024)) MB, CPU user $((utime * 1000 / hz)) ms + kernel $((stime * 1000 / hz)) ms"
  times+=("$ms")
  rm -f "$log"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "== median: " a[int((NR+1)/2)] " ms"}'
