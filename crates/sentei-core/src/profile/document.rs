//! The profile file as authors write it: plain serde types, checked for unknown keys.
//!
//! Nothing here is trusted: `compile` resolves every name, range and condition, and rejects
//! what does not make sense. `docs/profile-format.md` describes the format for authors.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::judgement::Role;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDoc {
    pub id: Spanned<String>,
    pub version: String,
    pub title: String,
    pub source: SourceDoc,
    #[serde(default)]
    pub description: String,
    pub levels: Vec<LevelDoc>,
    /// The classifications the profile covers; absent means all.
    #[serde(default)]
    pub classifications: Option<Vec<String>>,
    /// Shown when an assessment's classification is outside `classifications`.
    #[serde(default)]
    pub out_of_scope: Option<String>,
    /// Present when an assessment may add its own items (周南市基準 §6).
    #[serde(default)]
    pub extra_items: Option<ExtraItemsDoc>,
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    pub items: Vec<ItemDoc>,
    /// The check sheet's layout; absent means the generic one.
    #[serde(default)]
    pub sheet: Option<super::sheet_doc::SheetDoc>,
    /// How applications under the profile proceed; absent means pre-consultation is required.
    #[serde(default)]
    pub workflow: Option<WorkflowDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDoc {
    /// Whether the applicant must have a 協議済 answer to a pre-consultation before applying.
    pub pre_consultation: PreConsultation,
    /// The clause that requires it, cited where it is asked for.
    #[serde(default)]
    pub section: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PreConsultation {
    /// An application is submitted only after a 協議済 answer for its assessment version.
    Required,
    /// The document has no pre-consultation: applicants may consult, or apply directly.
    Optional,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraItemsDoc {
    /// The clause that allows them, cited by every added item.
    pub section: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// The document's title, the first part of every citation.
    pub document: String,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    /// The file of the source text under `profiles/sources/`.
    #[serde(default)]
    pub file: Option<String>,
}

/// What an unmet item of a level means for the verdict.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    /// Unmet blocks approval; cannot be marked not applicable.
    Must,
    /// Unmet needs a written reason and the approver's acceptance.
    Should,
    /// Unmet is recorded and shown; it does not block.
    May,
    /// A risk to weigh: met (mitigated) or unmet with a reason (risk accepted).
    Decision,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDoc {
    pub name: String,
    pub meaning: Meaning,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The information may not go to any external service: verdict `prohibited`.
    Prohibit,
    /// The listed items do not apply.
    Skip,
    /// The listed items take another level.
    Level,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: Spanned<String>,
    pub kind: RuleKind,
    pub when: CondDoc,
    /// Item ids or ranges (`"1.6..1.28"`), or `"*"` for every item.
    #[serde(default)]
    pub items: Vec<String>,
    /// Item ids or ranges left out of `items`.
    #[serde(default)]
    pub except: Vec<String>,
    /// The new level, for `kind: level`.
    #[serde(default)]
    pub level: Option<String>,
    /// The rule in the document's words; shown as the `why` of every item it touches.
    pub why: String,
    #[serde(default)]
    pub section: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub category: Vec<String>,
    pub text: String,
    pub level: String,
    /// Where the item is in the source document, e.g. `No.19` or `3.1(2)(エ)①`.
    pub section: String,
    /// The item's number as the document prints it, where the id is sentei's own
    /// (`common-2` is 別紙1① No.2). Pages show it in place of the id.
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub applies_when: Option<CondDoc>,
    /// The document's own words for `applies_when`, shown beside the rendered condition.
    #[serde(default)]
    pub because: Option<String>,
    #[serde(default)]
    pub certification: Option<CertificationDoc>,
    /// The item is judged from facts and other items, never answered directly (a gate).
    #[serde(default)]
    pub derived: Option<Vec<CaseDoc>>,
    /// Items that together stand in for this one when it is not met (001 1.7 / 1.8–1.13).
    #[serde(default)]
    pub alternative: Option<Vec<String>>,
    /// Overrides what "unmet" means for this item.
    #[serde(default)]
    pub unmet_effect: Option<UnmetEffect>,
    /// The item's own text is conditional (「…する場合は」): it applies, and may be answered
    /// 対象外 with the reason the circumstance does not arise, whatever its level.
    #[serde(default)]
    pub if_it_arises: bool,
    /// Facts saying the circumstance does arise; then 対象外 is refused. Needs `if_it_arises`.
    #[serde(default)]
    pub arises_when: Option<CondDoc>,
    /// Guidance for whoever answers the item.
    #[serde(default)]
    pub note: Option<String>,
    /// Shared controls (`profiles/controls.yaml`) the item asks about, in full: answering
    /// them answers the item.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Shared controls that are part of what the item asks, but do not answer it alone.
    #[serde(default)]
    pub controls_partly: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnmetEffect {
    /// Unmet does not block; it needs a reason and the approver's acceptance.
    Conditional,
}

/// The item restates a certification: the facts answer it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationDoc {
    /// Holding any of these certifications meets the item.
    pub any_of: Vec<String>,
    /// When this holds (facts only), lacking the certifications fails the item and no answer
    /// can say otherwise; when it does not, the item may also be met by an answer.
    #[serde(default)]
    pub decisive_when: Option<CondDoc>,
    /// The certifications are examples for the reviewer's own evaluation (000 No.9
    /// 「総合的・客観的に評価し」): they pre-fill the answer, and an answer written for the item
    /// stands, met or unmet. Where `decisive_when` holds and none is held, a written "met"
    /// needs its evidence (the certificate relied on).
    #[serde(default)]
    pub evaluation: bool,
}

/// One case of a derived item, tried in order; the first whose `when` holds decides.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    pub when: CondDoc,
    /// The derived answer; absent when `from_items` decides.
    #[serde(default)]
    pub answer: Option<DerivedAnswer>,
    /// The answer is met when every applicable listed item is met, unmet when one is not.
    #[serde(default)]
    pub from_items: Option<Vec<String>>,
    /// Who must accept when this case decides.
    #[serde(default)]
    pub requires: Vec<Role>,
    /// With `from_items`: when a listed item is unmet, the next case decides instead (another
    /// path the document allows, e.g. 004 3.1(1)(イ): an ISMS-certified security-update service).
    #[serde(default)]
    pub else_next: bool,
    pub why: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DerivedAnswer {
    Met,
    Unmet,
    Unanswered,
}

/// A condition as written: exactly one of the keys, or a plain `true` / `false`.
#[derive(Debug)]
pub enum CondDoc {
    Const(bool),
    Test(Box<CondTestDoc>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CondTestDoc {
    #[serde(default)]
    pub all: Option<Vec<CondDoc>>,
    #[serde(default)]
    pub any: Option<Vec<CondDoc>>,
    #[serde(default)]
    pub not: Option<CondDoc>,
    /// A fact name; with `is`, `in`, `not_in` or `unset`. A flag alone means `is: true`.
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub is: Option<ScalarDoc>,
    #[serde(default, rename = "in")]
    pub in_: Option<Vec<ScalarDoc>>,
    #[serde(default)]
    pub not_in: Option<Vec<ScalarDoc>>,
    #[serde(default)]
    pub unset: Option<bool>,
    /// Any of these certifications is held.
    #[serde(default)]
    pub certified: Option<Vec<String>>,
    /// This item applies and is met.
    #[serde(default)]
    pub met: Option<String>,
}

/// A fact value as written: `true`, `saas`, `2`, `"3B"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarDoc(pub String);

impl<'de> Deserialize<'de> for CondDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = CondDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a condition (true, false, or a mapping)")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<CondDoc, E> {
                Ok(CondDoc::Const(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<CondDoc, A::Error> {
                let test =
                    CondTestDoc::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(CondDoc::Test(Box::new(test)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl<'de> Deserialize<'de> for ScalarDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ScalarDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value (true, false, a name or a number)")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ScalarDoc, E> {
                Ok(ScalarDoc(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ScalarDoc, E> {
                Ok(ScalarDoc(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ScalarDoc, E> {
                Ok(ScalarDoc(v.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScalarDoc, E> {
                Ok(ScalarDoc(v.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
