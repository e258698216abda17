#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS, default 60) on the stable
# toolchain (`--sanitizer none`), starting from seeds made from the repository's own files:
# the examples and profiles, a check sheet exported from each example, and the ledgers in
# fuzz/seeds/ledger_import.
#
#   fuzz/run.sh                 # all targets, 60 s each
#   FUZZ_SECONDS=600 fuzz/run.sh sheet_import
#
# A crash stops with the input saved under fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
((${#targets[@]})) || targets=(sheet_import ledger_import assessment_parse profile_parse)

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

seeds="$PWD/target/seeds"
mkdir -p "$seeds"/{sheet_import,ledger_import,assessment_parse,profile_parse}
cp ../examples/*.yaml "$seeds/assessment_parse/"
cp ../profiles/*.yaml "$seeds/profile_parse/"
cp seeds/ledger_import/* "$seeds/ledger_import/"
if [[ -z "$(ls -A "$seeds/sheet_import")" ]]; then
    sentei=(cargo run -q --manifest-path ../Cargo.toml -p sentei --)
    for example in ../examples/*.yaml; do
        name="$(basename "$example" .yaml)"
        "${sentei[@]}" sheet export "$example" -o "$seeds/sheet_import/$name.xlsx" >/dev/null
        "${sentei[@]}" sheet export "$example" --all -o "$seeds/sheet_import/$name-all.xlsx" >/dev/null
    done
fi
# A workbook among the ledger seeds too, so the .xlsx path of the ledger reader is reached.
cp "$seeds"/sheet_import/sakai.xlsx "$seeds/ledger_import/" 2>/dev/null || true

for target in "${targets[@]}"; do
    echo "== cargo fuzz run $target (${seconds} s)"
    mkdir -p "corpus/$target"
    # -rss_limit_mb bounds memory: an input that makes a reader allocate without bound fails.
    log="$PWD/target/$target.log"
    if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" "$seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz/run.sh: $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
done
