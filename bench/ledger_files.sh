#!/usr/bin/env bash
# The ledger's files end to end through the release binary and a real SQLite database
# (issue 5): an existing ledger of 100,000 entries read in as ten CSV files of 10,000 rows
# (the most one import takes), then the whole ledger exported from the store as CSV, CP932
# CSV and an Excel workbook. Target: export of 100,000 entries under 1 s.
#
#   bench/ledger_files.sh              # ENTRIES=100000; data in target/ledger-files/
#
# Each import is one transaction; each export reads the ledger page by page through the
# store, as `sentei ledger list` does, and writes the file.
set -euo pipefail
cd "$(dirname "$0")/.."

entries="${ENTRIES:-100000}"
per_file=10000
data="$PWD/target/ledger-files"

echo "== cargo build --release -p sentei"
cargo build --release -p sentei
bin="$PWD/target/release/sentei"

rm -rf "$data"
mkdir -p "$data"
export SENTEI_DATA_DIR="$data/sentei-data"
"$bin" demo load --services 0 >/dev/null

# Ledger files as a department keeps them: a title row, one period column in 和暦, the
# applicant's department and name in one column.
python3 - "$data" "$entries" "$per_file" <<'PY'
import sys
data, entries, per_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = ["電子申請サービス", "Web会議サービス", "ファイル共有サービス", "施設予約サービス"]
for f in range(0, entries, per_file):
    with open(f"{data}/ledger-{f // per_file:02}.csv", "w", encoding="utf-8") as out:
        out.write("外部サービス利用台帳（令和８年度）\n")
        out.write("No.,サービス名,事業者名,利用目的,情報の格付,利用期間,利用申請者,利用者の範囲\n")
        for n in range(f, min(f + per_file, entries)):
            out.write(f"{n},{names[n % 4]} {n},例示株式会社{n % 97},業務{n % 13},機密性{2 if n % 3 else 1},"
                      f"令和8年4月1日～令和{9 + n % 3}年3月31日,課{n % 50} 職員 {n},課内\n")
PY

echo "== sentei ledger import (${per_file} rows per file)"
start=$(date +%s.%N)
for file in "$data"/ledger-*.csv; do
    /usr/bin/time -f "   $(basename "$file"): %e s, max RSS %M KB" \
        "$bin" ledger import "$file" --as demo-approver >/dev/null
done
end=$(date +%s.%N)
python3 -c "print(f'   all {$entries:,} rows: {$end - $start:.1f} s')"

for format in csv csv-cp932 xlsx; do
    echo "== sentei ledger list --format $format ($entries entries)"
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 1 --runs 5 --style basic \
            "$bin ledger list --include-abolished --format $format > $data/out.$format"
    else
        /usr/bin/time -f "   %e s, max RSS %M KB" \
            "$bin" ledger list --include-abolished --format "$format" >"$data/out.$format"
    fi
    ls -l "$data/out.$format" | awk '{ printf "   %s bytes\n", $5 }'
done
