#!/usr/bin/env bash
# Fuzzes the service from its own OpenAPI document with Schemathesis (pinned),
# once with a member token on the member routes and once with an admin token on
# the station, admin and operations routes. Every check runs; any failure fails.
#
#   .ci/schemathesis/run.sh            (builds target/debug/ticketgrab if needed)
#   TG_BIN=target/release/ticketgrab ST_SEED=123 .ci/schemathesis/run.sh
#
# Needs python3 with venv (Debian: apt-get install -y python3-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=4.32.5
venv=target/schemathesis-$version
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
bin=${TG_BIN:-target/debug/ticketgrab}
[ -x "$bin" ] || cargo build -q --bin ticketgrab
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TG_MEMBER_SECRET=schemathesis-member-secret TG_STAFF_SECRET=schemathesis-staff-secret
export TG_CARD_SECRET=schemathesis-card-secret
log=$(mktemp)
"$bin" serve --listen "127.0.0.1:$port" --memory --demo --demo-opens-in 0 --ip-rate 0 --member-rate 100000 --member-burst 100000 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
member=$("$bin" token member --card 6217000000000000012 --org bj/chaoyang/hepingjie)
admin=$("$bin" token staff --id schemathesis --role admin --org bj)
seed=${ST_SEED:-20261124}
export SCHEMATHESIS_HOOKS=hooks
export PYTHONPATH=$PWD/.ci/schemathesis
# Every check but use_after_free: DELETE on a reservation gives the ticket
# back and leaves it readable as `cancelled` (docs/API.md). The toml turns it
# off for those operations, but `--checks all` outranks the file in the
# stateful phase, which found a cancelled ticket "still available" once the
# document grew; tests/http checks what each DELETE leaves readable.
fuzz() { # token, then filters
  local token=$1
  shift
  "$venv/bin/st" --config-file .ci/schemathesis/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" --checks all --exclude-checks use_after_free --max-examples 40 --seed "$seed" \
    --no-color "$@"
}
failed=0
echo "== member routes, member token"
fuzz "$member" --include-tag member || failed=1
echo "== station, admin and operations routes, admin token"
fuzz "$admin" --exclude-tag member || failed=1
exit $failed
