//! Judgements as they were recorded, and what changed between two recorded versions.
//!
//! Submitting an application keeps the judgement JSON of the assessment version it pins, so
//! that the decision, the printed record and the ledger show exactly what was decided however
//! the assessment or the profile changes later. [`RecordedJudgement`] reads that JSON back;
//! [`differences`] says, in the words people read, which facts and answers differ between two
//! recorded versions (the page behind 「承認後に変更あり」).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::facts::{CERTIFICATIONS, CLASSIFICATIONS, FACTS, FactDef};
use crate::judgement::{AnswerSource, AnswerStatus, Approvals, Outcome, Role, Verdict};

/// The judgement JSON of the contract, read back (owned; unknown fields ignored).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordedJudgement {
    pub profile: RecordedProfile,
    pub service: RecordedService,
    pub classification: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub required_approvals: Vec<Role>,
    #[serde(default)]
    pub items: Vec<RecordedItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordedProfile {
    pub id: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordedService {
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub model: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordedItem {
    pub id: String,
    pub level: String,
    pub applies: bool,
    #[serde(default)]
    pub why: String,
    pub answer: AnswerStatus,
    /// Where the answer came from; absent in judgements recorded before it was kept.
    #[serde(default)]
    pub answer_source: Option<AnswerSource>,
    pub outcome: Outcome,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
    #[serde(default)]
    pub citation: String,
    /// Who must accept the item before approval (empty in judgements recorded before it was
    /// written, and for items that need no acceptance).
    #[serde(default)]
    pub requires: Vec<Role>,
}

impl RecordedJudgement {
    pub fn parse(json: &str) -> Result<RecordedJudgement, serde_json::Error> {
        serde_json::from_str(json)
    }

    pub fn required(&self) -> Approvals {
        Approvals::of(&self.required_approvals)
    }

    /// The classification's label (機密性2), or its name when it is not one this build knows.
    pub fn classification_label(&self) -> &str {
        CLASSIFICATIONS
            .iter()
            .find(|c| c.name == self.classification)
            .map_or(self.classification.as_str(), |c| c.label)
    }
}

impl RecordedItem {
    /// The answer as people read it: 「満たさない（理由: …／根拠: …）」, or 「対象外」 with why
    /// when the item does not apply.
    pub fn answer_text(&self) -> String {
        if !self.applies {
            return format!("対象外（{}）", self.why);
        }
        let mut notes = Vec::new();
        if let Some(reason) = &self.reason {
            notes.push(format!("理由: {reason}"));
        }
        if let Some(evidence) = &self.evidence {
            notes.push(format!("根拠: {evidence}"));
        }
        // An answer given by 「残りをすべて満たすにする」 says so wherever it is read.
        let answer = if self.answer_source == Some(AnswerSource::Bulk) {
            format!("{}（一括）", self.answer.label())
        } else {
            self.answer.label().to_owned()
        };
        if notes.is_empty() {
            answer
        } else {
            format!("{answer}（{}）", notes.join("／"))
        }
    }
}

/// One thing that differs between two versions, in Japanese.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs: 「判定」, a fact's label, or 「項目 5」.
    pub subject: String,
    /// The item's id when the difference is an item's answer.
    pub item: Option<String>,
    pub before: String,
    pub after: String,
}

/// A recorded version: its judgement, and its assessment document when it was kept.
#[derive(Clone, Copy, Debug)]
pub struct Recorded<'a> {
    pub judgement: &'a RecordedJudgement,
    pub document: Option<&'a Value>,
}

/// What differs between two recorded versions: the verdict, the profile, the service, each
/// fact (when both documents were kept), then each item's answer, in the later version's order.
pub fn differences(before: Recorded<'_>, after: Recorded<'_>) -> Vec<Difference> {
    let (b, a) = (before.judgement, after.judgement);
    let mut out = Vec::new();
    let mut note = |subject: &str, item: Option<&str>, was: String, now: String| {
        if was != now {
            out.push(Difference {
                subject: subject.to_owned(),
                item: item.map(str::to_owned),
                before: was,
                after: now,
            });
        }
    };
    note(
        "判定",
        None,
        b.verdict.label().to_owned(),
        a.verdict.label().to_owned(),
    );
    note(
        "基準",
        None,
        format!("{}（版 {}）", b.profile.id, b.profile.version),
        format!("{}（版 {}）", a.profile.id, a.profile.version),
    );
    note(
        "(ア) 外部サービスの名称",
        None,
        b.service.name.clone(),
        a.service.name.clone(),
    );
    note(
        "(イ) 外部サービス提供者の名称",
        None,
        b.service.provider.clone(),
        a.service.provider.clone(),
    );
    if let (Some(was), Some(now)) = (before.document, after.document) {
        for ((label, was), (_, now)) in fact_texts(was).into_iter().zip(fact_texts(now)) {
            note(label, None, was, now);
        }
    }
    let missing = || "（この版にはない項目）".to_owned();
    for item in &a.items {
        let was = b.items.iter().find(|i| i.id == item.id);
        note(
            &format!("項目 {}", item.id),
            Some(&item.id),
            was.map_or_else(missing, RecordedItem::answer_text),
            item.answer_text(),
        );
    }
    for item in b
        .items
        .iter()
        .filter(|i| a.items.iter().all(|n| n.id != i.id))
    {
        note(
            &format!("項目 {}", item.id),
            Some(&item.id),
            item.answer_text(),
            missing(),
        );
    }
    out
}

/// Each fact of an assessment document with its value, as labels; certifications last.
fn fact_texts(document: &Value) -> Vec<(&'static str, String)> {
    let facts = &document["facts"];
    let mut out: Vec<(&'static str, String)> = FACTS
        .iter()
        .map(|def| {
            let value = if def.name == "model" {
                &document["service"]["model"]
            } else {
                &facts[def.name]
            };
            (def.label, fact_value(def, value))
        })
        .collect();
    let held: Vec<&str> = facts["certifications"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(|name| {
                    CERTIFICATIONS
                        .iter()
                        .find(|c| c.name == name)
                        .map_or(name, |c| c.label)
                })
                .collect()
        })
        .unwrap_or_default();
    let held = if held.is_empty() {
        "なし".to_owned()
    } else {
        held.join("、")
    };
    out.push(("認証", held));
    out
}

fn fact_value(def: &FactDef, value: &Value) -> String {
    let choices = def.choices();
    let index = match value {
        Value::Bool(flag) => Some(usize::from(*flag)),
        Value::String(name) => def.choice_index(name).map(usize::from),
        _ => def.default.map(usize::from),
    };
    match (index.and_then(|i| choices.get(i)), value) {
        (Some(choice), _) => choice.label.to_owned(),
        (None, Value::String(name)) => name.clone(),
        (None, _) => "未設定".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, builtin_profiles, judge};

    /// Conditional: item 1 (ISMAP, 推奨) unmet with a reason.
    const BEFORE: &str = "profile: shunan-2023\nservice: { name: 例, provider: 例示 }\nfacts: { classification: \"2\", certifications: [csp_iso27001, csp_iso27017] }\nanswers:\n  default: met\n  items:\n    \"1\": { status: unmet, reason: 代替がない }\n";

    fn recorded(catalog: &Catalog, yaml: &str) -> (RecordedJudgement, Value) {
        let assessment = catalog.parse_assessment(yaml).unwrap();
        let profile = catalog.get(&assessment.profile_id).unwrap();
        let json = judge(profile, &assessment).to_json();
        (
            RecordedJudgement::parse(&json).unwrap(),
            assessment.to_document(profile),
        )
    }

    #[test]
    fn a_recorded_judgement_reads_back_what_was_judged() {
        let catalog = Catalog::new(builtin_profiles().unwrap());
        let (judgement, _) = recorded(&catalog, BEFORE);
        assert_eq!(judgement.verdict, Verdict::Conditional);
        assert_eq!(judgement.classification_label(), "機密性2");
        assert!(judgement.required().contains(Role::Approver));
        let item = judgement.items.iter().find(|i| i.id == "1").unwrap();
        assert_eq!(item.answer_text(), "満たさない（理由: 代替がない）");
    }

    #[test]
    fn differences_name_the_facts_and_answers_that_changed() {
        let catalog = Catalog::new(builtin_profiles().unwrap());
        let after = "profile: shunan-2023\nservice: { name: 例, provider: 例示 }\nfacts: { classification: \"2\", uses_generative_ai: true, certifications: [ismap, csp_iso27001, csp_iso27017] }\nanswers:\n  default: met\n";
        let (bj, bd) = recorded(&catalog, BEFORE);
        let (aj, ad) = recorded(&catalog, after);
        let found = differences(
            Recorded {
                judgement: &bj,
                document: Some(&bd),
            },
            Recorded {
                judgement: &aj,
                document: Some(&ad),
            },
        );
        let subjects: Vec<&str> = found.iter().map(|d| d.subject.as_str()).collect();
        assert_eq!(
            subjects,
            ["判定", "生成AIを利用したサービスである", "認証", "項目 1"]
        );
        assert_eq!(
            (found[0].before.as_str(), found[0].after.as_str()),
            ("条件付きで承認可能", "承認可能")
        );
        assert_eq!(
            (found[1].before.as_str(), found[1].after.as_str()),
            ("いいえ", "はい")
        );
        assert_eq!(found[3].before, "満たさない（理由: 代替がない）");
        assert_eq!(found[3].after, "満たす");
        assert_eq!(found[3].item.as_deref(), Some("1"));
        // Without the documents, the facts are not compared; the answers still are.
        let without = differences(
            Recorded {
                judgement: &bj,
                document: None,
            },
            Recorded {
                judgement: &aj,
                document: Some(&ad),
            },
        );
        assert_eq!(without.len(), 2, "{without:?}");
        assert!(
            differences(
                Recorded {
                    judgement: &bj,
                    document: Some(&bd)
                },
                Recorded {
                    judgement: &bj,
                    document: Some(&bd)
                }
            )
            .is_empty()
        );
    }
}
