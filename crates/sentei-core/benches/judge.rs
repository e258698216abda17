//! Benchmarks of the judgement engine (`cargo bench -p sentei-core`).
//!
//! Targets from issue #2 on the 2-core reference machine: under 10 µs to judge one assessment
//! of the largest profile; 100,000 assessments of mixed profiles re-judged in under 1 s.
//! Figures go in the README with the command that produced them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use std::sync::LazyLock;

use sentei_core::assessment::Catalog;
use sentei_core::{Assessment, builtin_profiles, judge, judge_all};

fn main() {
    divan::main();
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(builtin_profiles().unwrap()));

/// One realistic, fully answered assessment per profile, chosen so that as many items as
/// possible apply (the costly case), with one written answer carrying a reason.
fn assessment_text(profile: &str) -> String {
    let (facts, answer) = match profile {
        "ward-annex" => (
            "{ classification: \"2\", government_cloud: true, direct_internet_access: true, certifications: [ismap] }",
            "\"9\": { status: met, evidence: ISMAP 登録 }",
        ),
        "city-checklist" => (
            "{ classification: \"2\", uses_generative_ai: true }",
            "\"1.3\": { status: met, evidence: SLA 第4条 }",
        ),
        "procurement-spec" => (
            "{ classification: \"2\", uses_external_media: true, links_other_services: true, application_changes: true }",
            "\"7(5)\": { status: unmet, reason: 2025年の事案を契約前に確認する }",
        ),
        "shunan-2023" => (
            "{ classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }",
            "\"18\": { status: unmet, reason: 代替サービスがない }",
        ),
        _ => (
            "{ classification: 3B, connection: local_breakout, breakout_configuration: B, handles_my_number: true, citizen_service_critical: true, certifications: [csp_iso27001] }",
            "\"3.1(2)(エ)①\": { status: met, evidence: 国内データセンター }",
        ),
    };
    format!(
        "profile: {profile}\nservice: {{ name: 例のSaaS, provider: 例示株式会社 }}\nfacts: {facts}\nanswers:\n  default: met\n  items:\n    {answer}\n"
    )
}

fn assessment(profile: &str) -> Assessment {
    CATALOG
        .parse_assessment(&assessment_text(profile))
        .expect("the benchmark assessment is valid")
}

const PROFILES: [&str; 5] = [
    "ward-annex",
    "city-checklist",
    "procurement-spec",
    "shunan-2023",
    "sakai",
];

/// Judging one assessment, by profile (sakai is the largest, with 78 items).
#[divan::bench(args = PROFILES)]
fn judge_one(bencher: divan::Bencher, profile: &str) {
    let assessment = assessment(profile);
    let compiled = CATALOG.get(profile).unwrap();
    bencher.bench(|| judge(divan::black_box(compiled), divan::black_box(&assessment)).verdict);
}

/// Reading and validating the assessment file, by profile.
#[divan::bench(args = PROFILES)]
fn parse_one(bencher: divan::Bencher, profile: &str) {
    let text = assessment_text(profile);
    bencher.bench(|| {
        CATALOG
            .parse_assessment(divan::black_box(&text))
            .unwrap()
            .facts
    });
}

/// Writing the judgement JSON of the largest profile.
#[divan::bench]
fn json_sakai(bencher: divan::Bencher) {
    let assessment = assessment("sakai");
    let judgement = judge(CATALOG.get("sakai").unwrap(), &assessment);
    bencher.bench(|| divan::black_box(&judgement).to_json().len());
}

/// Re-judging 100,000 stored assessments of mixed profiles on every core.
#[divan::bench(sample_count = 10)]
fn rejudge_100k_mixed(bencher: divan::Bencher) {
    let assessments: Vec<Assessment> = (0..100_000)
        .map(|i| assessment(PROFILES[i % PROFILES.len()]))
        .collect();
    bencher.bench(|| judge_all(divan::black_box(&assessments), |id| CATALOG.get(id)).len());
}
