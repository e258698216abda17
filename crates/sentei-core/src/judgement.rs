//! The judgement: a verdict with its reasons, and for every item whether it applies and why,
//! its answer and its outcome. Serializes to the judgement JSON of the assessment contract.
//!
//! Field names and enum spellings here are a public interface
//! (`docs/assessment-contract.md`): extend, never rename.

use serde::{Deserialize, Serialize, Serializer};

/// The verdicts, from best to worst. `Ord` follows the contract's precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approvable,
    Conditional,
    Incomplete,
    NotApprovable,
    Prohibited,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approvable => "approvable",
            Verdict::Conditional => "conditional",
            Verdict::Incomplete => "incomplete",
            Verdict::NotApprovable => "not_approvable",
            Verdict::Prohibited => "prohibited",
        }
    }

    pub fn parse(name: &str) -> Option<Verdict> {
        [
            Verdict::Approvable,
            Verdict::Conditional,
            Verdict::Incomplete,
            Verdict::NotApprovable,
            Verdict::Prohibited,
        ]
        .into_iter()
        .find(|v| v.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Approvable => "承認可能",
            Verdict::Conditional => "条件付きで承認可能",
            Verdict::Incomplete => "回答不足",
            Verdict::NotApprovable => "承認不可",
            Verdict::Prohibited => "利用禁止",
        }
    }
}

/// Who may have to accept something before approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 情報システム管理者: the one who grants applications.
    Approver,
    /// 統括情報セキュリティ責任者.
    Ciso,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Approver, Role::Ciso];

    pub fn label(self) -> &'static str {
        match self {
            Role::Approver => "情報システム管理者",
            Role::Ciso => "統括情報セキュリティ責任者",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Role::Approver => 1,
            Role::Ciso => 2,
        }
    }
}

/// A set of roles; serializes as a list in [`Role::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Approvals(u8);

impl Approvals {
    pub const NONE: Approvals = Approvals(0);

    pub fn of(roles: &[Role]) -> Approvals {
        Approvals(roles.iter().fold(0, |bits, r| bits | r.bit()))
    }

    pub fn with(self, role: Role) -> Approvals {
        Approvals(self.0 | role.bit())
    }

    pub fn union(self, other: Approvals) -> Approvals {
        Approvals(self.0 | other.0)
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl Serialize for Approvals {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// An answer's status, as written in assessment files and echoed in judgements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    Met,
    Unmet,
    NotApplicable,
    Unanswered,
}

impl AnswerStatus {
    pub fn label(self) -> &'static str {
        match self {
            AnswerStatus::Met => "満たす",
            AnswerStatus::Unmet => "満たさない",
            AnswerStatus::NotApplicable => "対象外",
            AnswerStatus::Unanswered => "未回答",
        }
    }
}

/// Where an item's effective answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// Written for this item in `answers.items`.
    Answer,
    /// From `answers.default`.
    Default,
    /// Written for the item by 「残りをすべて満たすにする」 (`by: bulk`): counted like the
    /// default, never as evidence.
    Bulk,
    /// From `facts.certifications`.
    Certification,
    /// Derived from facts and other items (a gate).
    Facts,
    /// No answer at all.
    None,
}

impl AnswerSource {
    /// An answer that fills in without being evidence: `answers.default`, or one given by
    /// 「残りをすべて満たすにする」. Neither switches a rule (docs/domain.md).
    pub fn is_default_like(self) -> bool {
        matches!(self, AnswerSource::Default | AnswerSource::Bulk)
    }
}

/// What an item contributes to the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The item does not apply.
    Skipped,
    Met,
    /// Marked not applicable (不要) with a reason; does not block.
    NotNeeded,
    /// Unmet optional item: recorded and shown, does not block.
    Noted,
    /// A risk deliberately accepted, with its reason.
    RiskAccepted,
    /// Someone must accept it before approval: verdict at best `conditional`.
    NeedsAcceptance,
    /// No answer yet: verdict at best `incomplete`.
    Missing,
    /// The answer needs a reason that is not there: verdict at best `incomplete`.
    MissingReason,
    /// Blocks approval: verdict `not_approvable`.
    Blocking,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Skipped => "対象外",
            Outcome::Met => "適合",
            Outcome::NotNeeded => "不要（理由あり）",
            Outcome::Noted => "未達（記録のみ）",
            Outcome::RiskAccepted => "リスク受容",
            Outcome::NeedsAcceptance => "要承認",
            Outcome::Missing => "未回答",
            Outcome::MissingReason => "理由未記入",
            Outcome::Blocking => "不適合",
        }
    }

    /// The best verdict possible while this outcome stands.
    pub fn verdict_floor(self) -> Verdict {
        match self {
            Outcome::Blocking => Verdict::NotApprovable,
            Outcome::Missing | Outcome::MissingReason => Verdict::Incomplete,
            Outcome::NeedsAcceptance => Verdict::Conditional,
            _ => Verdict::Approvable,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfileRef<'a> {
    pub id: &'a str,
    pub version: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceRef<'a> {
    pub name: &'a str,
    pub provider: &'a str,
    pub model: &'a str,
}

/// The judgement of one assessment. Borrows texts from the profile and the assessment.
#[derive(Clone, Debug, Serialize)]
pub struct Judgement<'a> {
    pub profile: ProfileRef<'a>,
    pub service: ServiceRef<'a>,
    pub classification: &'a str,
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub required_approvals: Approvals,
    pub items: Vec<ItemJudgement<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemJudgement<'a> {
    pub id: &'a str,
    pub level: &'a str,
    pub applies: bool,
    /// The rule or fact that made the item apply or not.
    pub why: &'a str,
    pub answer: AnswerStatus,
    pub answer_source: AnswerSource,
    pub outcome: Outcome,
    /// Why the outcome is what it is, where the answer alone does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<&'a str>,
    /// The rule that changed the item's level, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<&'a str>,
    /// Who must accept this item before approval.
    #[serde(skip_serializing_if = "no_roles")]
    pub requires: Approvals,
    pub citation: &'a str,
}

fn no_roles(roles: &Approvals) -> bool {
    roles.is_empty()
}

impl ItemJudgement<'_> {
    /// Whether a person answers the item (in the editor, a check sheet, a vendor's page): it
    /// applies, and neither the facts (certifications) nor other items (`derived`) decide it.
    /// Where certificates only pre-fill a reviewer's evaluation (000 No.9), people answer it.
    pub fn answered_by_people(&self, item: &crate::profile::Item) -> bool {
        let by_certificate = self.answer_source == AnswerSource::Certification
            && !item.certification.as_ref().is_some_and(|c| c.evaluation);
        self.applies && !item.is_derived() && !by_certificate
    }
}

impl Judgement<'_> {
    /// The judgement JSON of the contract, on one line, byte-identical for equal input.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings, bools and enums to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same JSON, indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_back_from_their_spelling() {
        for code in [
            "approvable",
            "conditional",
            "incomplete",
            "not_approvable",
            "prohibited",
        ] {
            assert_eq!(Verdict::parse(code).map(Verdict::as_str), Some(code));
        }
        assert_eq!(Verdict::parse("maybe"), None);
    }

    #[test]
    fn verdicts_order_by_the_contract_precedence() {
        assert!(Verdict::Prohibited > Verdict::NotApprovable);
        assert!(Verdict::NotApprovable > Verdict::Incomplete);
        assert!(Verdict::Incomplete > Verdict::Conditional);
        assert!(Verdict::Conditional > Verdict::Approvable);
    }

    #[test]
    fn approvals_serialize_as_a_list_in_fixed_order() {
        let set = Approvals::NONE.with(Role::Ciso).with(Role::Approver);
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["approver","ciso"]"#
        );
        assert_eq!(serde_json::to_string(&Approvals::NONE).unwrap(), "[]");
    }
}
