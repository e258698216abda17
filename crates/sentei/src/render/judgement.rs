//! A judgement as a Japanese summary and item table, for `sentei assess --format table`.

use sentei_core::judgement::{Outcome, Verdict};
use sentei_core::{Assessment, Judgement, Profile};

use super::{columns, one_line};

pub fn table(profile: &Profile, assessment: &Assessment, judgement: &Judgement<'_>) -> String {
    let mut out = String::new();
    let approvals: Vec<&str> = judgement
        .required_approvals
        .iter()
        .map(|r| r.label())
        .collect();
    let header = vec![
        row([
            "サービス",
            &format!(
                "{}（{}）",
                assessment.service.name, assessment.service.provider
            ),
        ]),
        row([
            "基準",
            &format!("{}（{} 版 {}）", profile.title, profile.id, profile.version),
        ]),
        row(["機密性", judgement.classification]),
        row([
            "判定",
            &format!(
                "{}（{}）",
                judgement.verdict.label(),
                judgement.verdict.as_str()
            ),
        ]),
        row([
            "必要な承認",
            &if approvals.is_empty() {
                "なし".to_owned()
            } else {
                approvals.join("、")
            },
        ]),
    ];
    out.push_str(&columns(&header));
    out.push_str("理由\n");
    for reason in &judgement.reasons {
        out.push_str(&format!("  ・{reason}\n"));
    }
    out.push('\n');

    let mut rows = vec![row(["番号", "水準", "適用", "回答", "結果", "説明"])];
    for item in &judgement.items {
        let explanation = if !item.applies {
            item.why.to_owned()
        } else {
            let mut parts: Vec<String> = Vec::new();
            if let Some(basis) = item.basis {
                parts.push(basis.to_owned());
            }
            if let Some(reason) = item.reason {
                parts.push(format!("理由: {}", one_line(reason)));
            }
            if let Some(evidence) = item.evidence {
                parts.push(format!("根拠: {}", one_line(evidence)));
            }
            if let Some(rule) = item.level_rule {
                parts.push(format!("水準: {rule}"));
            }
            parts.join(" / ")
        };
        rows.push(row([
            item.id,
            item.level,
            if item.applies { "適用" } else { "対象外" },
            if item.applies {
                item.answer.label()
            } else {
                "-"
            },
            item.outcome.label(),
            &explanation,
        ]));
    }
    out.push_str(&columns(&rows));
    let counts = summary(judgement);
    out.push('\n');
    out.push_str(&counts);
    out.push('\n');
    out
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// "適合 20 件、対象外 5 件、..." in outcome order.
fn summary(judgement: &Judgement<'_>) -> String {
    let order = [
        Outcome::Blocking,
        Outcome::Missing,
        Outcome::MissingReason,
        Outcome::NeedsAcceptance,
        Outcome::Noted,
        Outcome::RiskAccepted,
        Outcome::NotNeeded,
        Outcome::Met,
        Outcome::Skipped,
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|o| {
            let n = judgement.items.iter().filter(|i| i.outcome == *o).count();
            (n > 0).then(|| format!("{} {n} 件", o.label()))
        })
        .collect();
    let note = if judgement.verdict == Verdict::Prohibited {
        "（利用禁止のため項目は判定していません）"
    } else {
        ""
    };
    format!(
        "項目 {} 件: {}{note}",
        judgement.items.len(),
        parts.join("、")
    )
}
