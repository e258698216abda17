//! The reasons of a verdict, in Japanese, each naming the items involved.
//!
//! Items decided by facts (gates, certifications) get a line of their own with the rule's
//! words; items decided by answers are grouped, one line per kind of problem, so a checklist
//! with thirty unanswered items gives one readable line rather than thirty.

use super::MUST_NOT_NOT_APPLICABLE;
use crate::judgement::{
    AnswerSource, AnswerStatus, Approvals, ItemJudgement, Judgement, Outcome, Verdict,
};

pub(super) fn explain(judgement: &Judgement<'_>) -> Vec<String> {
    let items = &judgement.items;
    let mut out = Vec::new();
    match judgement.verdict {
        // Prohibition is explained where it is decided.
        Verdict::Prohibited => {}
        Verdict::NotApprovable => {
            let blocking = |i: &&ItemJudgement<'_>| i.outcome == Outcome::Blocking;
            individual(&mut out, items, |i| blocking(&i) && decided_by_facts(i));
            grouped(
                &mut out,
                items,
                |i| blocking(&i) && i.basis == Some(MUST_NOT_NOT_APPLICABLE),
                "「対象外」とできない項目が「対象外」とされています",
            );
            grouped(
                &mut out,
                items,
                |i| {
                    blocking(&i) && !decided_by_facts(i) && i.basis != Some(MUST_NOT_NOT_APPLICABLE)
                },
                "満たされていない必須の項目があります",
            );
        }
        Verdict::Incomplete => {
            let missing = |i: &&ItemJudgement<'_>| i.outcome == Outcome::Missing;
            individual(&mut out, items, |i| missing(&i) && decided_by_facts(i));
            grouped(
                &mut out,
                items,
                |i| missing(&i) && !decided_by_facts(i),
                "未回答の項目があります",
            );
            grouped(
                &mut out,
                items,
                |i| i.outcome == Outcome::MissingReason,
                "理由の記入が必要な項目があります",
            );
        }
        Verdict::Conditional => {
            let accept = |i: &&ItemJudgement<'_>| i.outcome == Outcome::NeedsAcceptance;
            // Only gates explain an acceptance in their own words; a certification a person
            // chose to accept without is grouped with the other accepted items.
            let gate = |i: &ItemJudgement<'_>| i.answer_source == AnswerSource::Facts;
            for item in items.iter().filter(|i| accept(i) && gate(i)) {
                let basis = item.basis.unwrap_or("");
                let roles = role_labels(item.requires);
                if basis.contains(&roles) {
                    out.push(format!("{}: {basis}", item.id));
                } else {
                    out.push(format!("{}: {basis}（{roles}の承認が必要です）", item.id));
                }
            }
            let mut sets: Vec<Approvals> = Vec::new();
            for item in items.iter().filter(|i| accept(i) && !gate(i)) {
                if !sets.contains(&item.requires) {
                    sets.push(item.requires);
                }
            }
            for set in sets {
                grouped(
                    &mut out,
                    items,
                    |i| accept(&i) && !gate(i) && i.requires == set,
                    &format!(
                        "満たしていない項目があり、{}による例外の承認が必要です",
                        role_labels(set)
                    ),
                );
            }
        }
        Verdict::Approvable => {
            out.push("承認を妨げる項目も、例外の承認が必要な項目もありません".to_owned());
        }
    }
    moot_answers(&mut out, items);
    if judgement.verdict <= Verdict::Conditional {
        grouped(
            &mut out,
            items,
            |i| i.outcome == Outcome::RiskAccepted,
            "リスクを受容した項目があります",
        );
        grouped(
            &mut out,
            items,
            |i| i.outcome == Outcome::Noted,
            "満たしていない任意の項目があります（記録のみ）",
        );
    }
    out
}

/// Answers written for items that do not apply are not judged; say so rather than drop them,
/// one line for each answer that said something was wrong, one for the rest.
fn moot_answers(out: &mut Vec<String>, items: &[ItemJudgement<'_>]) {
    let moot = |i: &ItemJudgement<'_>| {
        !i.applies
            && i.answer_source == AnswerSource::Answer
            && i.answer != AnswerStatus::Unanswered
    };
    for item in items
        .iter()
        .filter(|i| moot(i) && i.answer != AnswerStatus::Met)
    {
        out.push(format!(
            "{}: 「{}」と回答されていますが、この項目は適用されないため判定に含めていません（{}）",
            item.id,
            item.answer.label(),
            item.why.strip_prefix("対象外: ").unwrap_or(item.why)
        ));
    }
    grouped(
        out,
        items,
        |i| moot(i) && i.answer == AnswerStatus::Met,
        "適用されない項目への「満たす」の回答は判定に含めていません",
    );
}

/// Gates and certifications: their basis already says why in the document's words.
fn decided_by_facts(item: &ItemJudgement<'_>) -> bool {
    matches!(
        item.answer_source,
        AnswerSource::Facts | AnswerSource::Certification
    ) && item.basis.is_some()
}

fn individual(
    out: &mut Vec<String>,
    items: &[ItemJudgement<'_>],
    pick: impl Fn(&ItemJudgement<'_>) -> bool,
) {
    for item in items.iter().filter(|i| pick(i)) {
        out.push(format!("{}: {}", item.id, item.basis.unwrap_or("")));
    }
}

fn grouped(
    out: &mut Vec<String>,
    items: &[ItemJudgement<'_>],
    pick: impl Fn(&ItemJudgement<'_>) -> bool,
    label: &str,
) {
    let ids: Vec<&str> = items.iter().filter(|i| pick(i)).map(|i| i.id).collect();
    if !ids.is_empty() {
        out.push(format!("{label}: {}", ids.join(", ")));
    }
}

fn role_labels(roles: Approvals) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("と")
}
