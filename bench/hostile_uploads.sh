#!/usr/bin/env bash
# Hostile uploads (issue 12, finding 4): 8 clients upload hostile workbooks to the ledger
# import without pause while /login is asked one request after another; reports /login's
# latencies and the server's peak memory (VmHWM from /proc). Targets on a 2-core machine:
# peak RSS under 300 MB, /login p99 under 100 ms. Loopback only.
#
#   bench/hostile_uploads.sh            # CLIENTS=8 SECONDS=20, both kinds of workbook
#
# The kinds (bench/hostile_uploads.py): `issue`, the outside test's workbook (about 95 MB of
# shared strings in a 3 MB zip, under the ratio check), and `bounds`, the most the bounds let
# through and every byte of it read (16 MB of shared strings, 400,000 cells).
set -euo pipefail
cd "$(dirname "$0")/.."

clients="${CLIENTS:-8}"
seconds="${SECONDS_EACH:-20}"

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "bench/hostile_uploads.sh: $tool is needed" >&2; exit 1; }
done

if [[ -z "${SENTEI_BIN:-}" ]]; then
    echo "== cargo build --release -p sentei"
    cargo build --release -p sentei
    SENTEI_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/sentei"
fi

data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

# One server per kind of workbook, so that each peak is its own.
measure() {
    local kind="$1"
    local port base server jar login_csrf session cookie csrf token
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    base="http://127.0.0.1:$port"
    SENTEI_DATA_DIR="$data/sentei-data" SENTEI_LOG=warn "$SENTEI_BIN" serve --demo --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 300); do curl -sf -o /dev/null "$base/login" && break; sleep 0.2; done

    # The demo approver (who keeps the ledger) signs in and makes an API token on the account page.
    jar="$data/cookies"
    rm -f "$jar"
    curl -sf -c "$jar" -o /dev/null "$base/login"
    login_csrf="$(awk '$6 == "sentei_login_csrf" { print $7 }' "$jar")"
    curl -sf -b "$jar" -c "$jar" -o /dev/null \
        --data "csrf=$login_csrf&login=demo-approver&password=sentei-demo-2026" "$base/login"
    session="$(awk '$6 == "sentei_session" { print $7 }' "$jar")"
    cookie="Cookie: sentei_session=$session"
    csrf="$(curl -sf -H "$cookie" "$base/account" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | cut -d '"' -f 4)"
    token="$(curl -sf -H "$cookie" --data "csrf=$csrf&name=bench&scope=read_write&days=1" "$base/account/tokens" \
        | grep -o '<p class="once">[^<]*' | cut -d '>' -f 2)"
    [[ -n "$token" ]] || { echo "bench/hostile_uploads.sh: could not make an API token" >&2; kill "$server"; exit 1; }

    python3 bench/hostile_uploads.py "$base" "$token" "$server" \
        --clients "$clients" --seconds "$seconds" --kind "$kind"
    kill "$server"
    wait "$server" 2>/dev/null || true
}

for kind in ${KINDS:-issue bounds}; do
    measure "$kind"
done
