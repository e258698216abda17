//! Benchmarks of files in and out (`cargo bench -p sentei-exchange`).
//!
//! Targets from issue #5 on the 2-core reference machine: exporting and importing the check
//! sheet of the largest profile (sakai, 78 items, every item listed) under 50 ms each; the
//! ledger of 100,000 entries written as CSV under 1 s. Figures go in the README.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use std::sync::LazyLock;

use sentei_core::ledger::LedgerFields;
use sentei_core::{Assessment, Catalog, builtin_profiles};
use sentei_exchange::ledger_csv;
use sentei_exchange::sheet::{self, Scope};
use sentei_store::LedgerEntryView;

fn main() {
    divan::main();
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(builtin_profiles().unwrap()));

/// The sakai example with every item that takes an answer answered, with evidence.
static SAKAI: LazyLock<Assessment> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sakai.yaml");
    let mut assessment = CATALOG
        .parse_assessment(&std::fs::read_to_string(path).unwrap())
        .unwrap();
    let profile = CATALOG.get("sakai").unwrap();
    for (item, answer) in profile.items.iter().zip(&mut assessment.answers) {
        // Items the facts decide take no answer.
        if item.is_derived() || item.certification.is_some() {
            continue;
        }
        *answer = Some(sentei_core::Answer {
            bulk: false,
            status: sentei_core::judgement::AnswerStatus::Met,
            reason: None,
            evidence: Some("契約書 第4条、SLA 別紙2（データの保管場所と削除証明）".to_owned()),
        });
    }
    assessment
});

static SHEET: LazyLock<Vec<u8>> =
    LazyLock::new(|| sheet::export(CATALOG.get("sakai").unwrap(), &SAKAI, Scope::All).unwrap());

#[divan::bench]
fn sheet_export_sakai() -> Vec<u8> {
    sheet::export(CATALOG.get("sakai").unwrap(), &SAKAI, Scope::All).unwrap()
}

#[divan::bench]
fn sheet_import_sakai() -> usize {
    sheet::import("sakai.xlsx", &SHEET, &CATALOG)
        .unwrap()
        .answered
}

static LEDGER: LazyLock<Vec<LedgerEntryView>> = LazyLock::new(|| {
    let start = time::macros::date!(2026 - 04 - 01);
    (0..100_000)
        .map(|n| LedgerEntryView {
            id: n,
            application_id: Some(n),
            version: 1,
            abolished: n % 17 == 0,
            fields: LedgerFields {
                service_name: format!("住民向けオンライン申請サービス {n}"),
                provider: "例示クラウド株式会社".to_owned(),
                purpose: "=住民からの各種申請の受付と審査（電子申請）".to_owned(),
                classification: "機密性2".to_owned(),
                period_start: start,
                period_end: start.replace_year(2029).unwrap(),
                applicant_department: "市民課".to_owned(),
                applicant_name: "申請 花子".to_owned(),
                user_scope: "市民課・窓口の職員（約40名）".to_owned(),
            },
            profile_id: "shunan-2023".to_owned(),
            profile_version: "2023".to_owned(),
            verdict: "approvable".to_owned(),
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        })
        .collect()
});

#[divan::bench(sample_count = 10)]
fn ledger_csv_100k(bencher: divan::Bencher) {
    LazyLock::force(&LEDGER);
    bencher.bench(|| {
        ledger_csv::write(&LEDGER, time::macros::date!(2026 - 04 - 01), &CATALOG)
            .unwrap()
            .len()
    });
}
