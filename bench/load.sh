#!/usr/bin/env bash
# Load benchmark of `sentei serve` (issue 4): the demo municipality scaled to 10,000 services,
# then wrk at 64 connections against
#   1. the ledger as JSON (GET /api/v1/ledger, first page, with an API token), and
#   2. the assessment editor page for the largest profile (sakai, 78 items), signed in.
# Targets on a 2-core machine: p99 under 50 ms; at least 5,000 requests/s for (1) and 1,000
# renders/s for (2). Loopback only; every wrk run is bounded by DURATION.
#
#   bench/load.sh                      # SERVICES=10000 DURATION=20s CONNECTIONS=64 THREADS=2
#
# The database is kept in target/load/ and reused while SERVICES is unchanged: loading 10,000
# services takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

services="${SERVICES:-10000}"
duration="${DURATION:-20s}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
data="$PWD/target/load"

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench/load.sh: $tool is needed (apt install $tool)" >&2; exit 1; }
done

echo "== cargo build --release -p sentei"
cargo build --release -p sentei
bin="$PWD/target/release/sentei"

mkdir -p "$data"
cd "$data"
export SENTEI_DATA_DIR="$data/sentei-data"
if [[ ! -f "$SENTEI_DATA_DIR/sentei.db" || "$(cat services 2>/dev/null)" != "$services" ]]; then
    rm -rf "$SENTEI_DATA_DIR" services
    echo "== sentei demo load --services $services"
    time "$bin" demo load --services "$services" >/dev/null
    echo "$services" >services
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
SENTEI_LOG=warn "$bin" serve --listen "127.0.0.1:$port" >serve.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$base/login" && break; sleep 0.1; done

# Sign in as the demo approver, as a browser does (the form's token is the cookie's value).
jar="$data/cookies"
rm -f "$jar"
curl -sf -c "$jar" -o /dev/null "$base/login"
login_csrf="$(awk '$6 == "sentei_login_csrf" { print $7 }' "$jar")"
curl -sf -b "$jar" -c "$jar" -o /dev/null \
    --data "csrf=$login_csrf&login=demo-approver&password=sentei-demo-2026" "$base/login"
session="$(awk '$6 == "sentei_session" { print $7 }' "$jar")"
[[ -n "$session" ]] || { echo "bench/load.sh: could not sign in" >&2; exit 1; }
cookie="Cookie: sentei_session=$session"

# An API token, made on the account page and shown there once.
csrf="$(curl -sf -H "$cookie" "$base/account" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | cut -d '"' -f 4)"
token="$(curl -sf -H "$cookie" --data "csrf=$csrf&name=load" "$base/account/tokens" \
    | grep -o '<p class="once">[^<]*' | cut -d '>' -f 2)"
[[ -n "$token" ]] || { echo "bench/load.sh: could not make an API token" >&2; exit 1; }
bearer="Authorization: Bearer $token"

# A sakai assessment (the largest profile) of a new service, to open in the editor.
service="$(curl -sf -H "$bearer" -H 'Content-Type: application/json' \
    --data '{"name": "負荷試験用サービス", "provider": "例示株式会社"}' "$base/api/v1/services" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
assessment="$(curl -sf -H "$bearer" -H 'Content-Type: application/json' \
    --data '{"profile": "sakai", "service": {"name": "負荷試験用サービス", "provider": "例示株式会社"},
             "facts": {"classification": "3B", "certifications": ["ismap"], "connection": "government_cloud"},
             "answers": {"default": "met"}}' \
    "$base/api/v1/services/$service/assessments" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"

ledger_total="$(curl -sf -H "$bearer" "$base/api/v1/ledger" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')"
echo "== $services services, $ledger_total ledger entries; server $base"

run() {
    local name="$1" header="$2" path="$3"
    echo
    echo "== $name: wrk -t$threads -c$connections -d$duration --latency $path"
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -H "$header" "$base$path"
}
run "ledger JSON list" "$bearer" "/api/v1/ledger"
run "assessment editor page (sakai, 78 items)" "$cookie" "/assessments/$assessment"
