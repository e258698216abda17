//! Profiles: one municipality's criteria, compiled from a data file and ready to judge with.
//!
//! A [`Profile`] is built only by [`Profile::from_yaml`], which validates everything a profile
//! file says (names, ranges, conditions, cycles) and precomputes the Japanese explanations, so
//! the engine never meets an unresolved name and never formats text per item.

mod builtin;
mod compile;
mod conditions;
pub(crate) mod document;
mod ordering;
pub mod sheet;
mod sheet_doc;

use std::collections::HashMap;

pub use builtin::{BUILTIN_SOURCES, builtin_profiles};
pub use document::{DerivedAnswer, Meaning, PreConsultation, RuleKind, UnmetEffect};
pub use sheet::SheetLayout;

use crate::condition::{Cond, ItemIdx};
use crate::controls::ControlLink;
use crate::facts::CertSet;
use crate::input::{InputError, PROFILE_LIMITS, parse_yaml};
use crate::judgement::Approvals;

/// Index of a level in [`Profile::levels`].
pub type LevelIdx = usize;

#[derive(Debug)]
pub struct Profile {
    pub id: String,
    pub version: String,
    pub title: String,
    pub source: Source,
    pub description: String,
    pub levels: Vec<Level>,
    /// Bitmask over [`crate::facts::CLASSIFICATIONS`] of the classifications covered.
    pub scope: u16,
    pub out_of_scope: Option<String>,
    /// Citation of the clause that lets assessments add items; `None` when they may not.
    pub extra_citation: Option<String>,
    pub items: Vec<Item>,
    pub rules: Vec<Rule>,
    /// How its check sheet is laid out: its document's columns, or the generic ones.
    pub sheet: SheetLayout,
    /// Whether applications need a 協議済 pre-consultation before submission, and the
    /// citation of the clause that says so.
    pub pre_consultation: PreConsultation,
    pub pre_consultation_citation: Option<String>,
    /// Items in an order where every item comes after the items its conditions read.
    pub(crate) order: Vec<ItemIdx>,
    /// Normalized item id -> index.
    pub(crate) index: HashMap<String, ItemIdx>,
}

#[derive(Debug)]
pub struct Source {
    pub document: String,
    pub issuer: Option<String>,
    pub date: Option<String>,
    pub file: Option<String>,
}

#[derive(Debug)]
pub struct Level {
    pub name: String,
    pub meaning: Meaning,
    pub description: String,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub when: Cond,
    pub targets: Vec<ItemIdx>,
    /// The new level, for level rules.
    pub level: Option<LevelIdx>,
    pub why: String,
    pub section: Option<String>,
}

#[derive(Debug)]
pub struct Item {
    pub id: String,
    pub category: Vec<String>,
    pub text: String,
    pub level: LevelIdx,
    pub section: String,
    /// Document and section, e.g. "周南市外部サービス利用基準 別紙 項番18".
    pub citation: String,
    pub applies_when: Option<Cond>,
    pub because: Option<String>,
    pub why_applies: String,
    pub why_not: String,
    /// Skip rules (indexes into [`Profile::rules`]) that name this item, in rule order.
    pub skip_rules: Vec<usize>,
    pub certification: Option<Certification>,
    pub derived: Option<Vec<Case>>,
    pub alternative: Option<Alternative>,
    pub unmet_effect: Option<UnmetEffect>,
    /// 「…する場合は」: may be answered 対象外 with a reason, unless `arises_when` holds.
    pub if_it_arises: bool,
    pub arises_when: Option<Cond>,
    /// Why 対象外 is refused when `arises_when` holds, in Japanese.
    pub arises_basis: String,
    pub note: Option<String>,
    /// The number the document prints, where `id` is sentei's own (`common-2`).
    pub number: Option<String>,
    /// The shared controls the item asks about, full ones first, in the file's order.
    pub controls: Vec<ControlLink>,
}

impl Item {
    /// The item's number as people know it: the document's own, or sentei's id where the
    /// document numbers it no other way (004 表1 rows).
    pub fn shown_number(&self) -> &str {
        self.number.as_deref().unwrap_or(&self.id)
    }

    /// True when answers never reach the item: the facts decide it.
    pub fn is_derived(&self) -> bool {
        self.derived.is_some()
    }
}

#[derive(Debug)]
pub struct Certification {
    pub any_of: CertSet,
    /// Facts-only condition under which the certifications alone decide the item.
    pub decisive_when: Cond,
    /// The reviewer's answer stands over the certifications (see `CertificationDoc::evaluation`).
    pub evaluation: bool,
    pub basis_met: String,
    pub basis_unmet: String,
    /// Why a written "met" without a certification needs its evidence.
    pub basis_needs_evidence: String,
}

#[derive(Debug)]
pub struct Case {
    pub when: Cond,
    pub answer: CaseAnswer,
    pub requires: Approvals,
    /// With `FromItems`: a failed path hands over to the next case.
    pub else_next: bool,
    pub why: String,
}

#[derive(Debug)]
pub enum CaseAnswer {
    Fixed(DerivedAnswer),
    /// Met when every applicable listed item is met on evidence, unmet when one is not met.
    FromItems {
        items: Vec<ItemIdx>,
        /// Why the case waits when a listed item is met only by `answers.default`.
        pending_basis: String,
    },
}

#[derive(Debug)]
pub struct Alternative {
    pub items: Vec<ItemIdx>,
    pub basis: String,
    /// Why the item waits for the alternatives to be answered one by one.
    pub pending_basis: String,
}

impl Profile {
    /// Reads and validates a profile file; every problem names the item or rule it is about.
    pub fn from_yaml(text: &str) -> Result<Profile, InputError> {
        let doc = parse_yaml(text, PROFILE_LIMITS)?;
        compile::compile(doc)
    }

    /// The id of the item at `index`.
    pub fn item_id(&self, index: ItemIdx) -> String {
        self.items
            .get(index)
            .map(|i| i.id.clone())
            .unwrap_or_default()
    }

    /// The item with this id, accepting full-width digits, letters and brackets.
    pub fn item_index(&self, id: &str) -> Option<ItemIdx> {
        self.index.get(&normalize_id(id)).copied()
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.item_index(id).and_then(|i| self.items.get(i))
    }

    pub fn level(&self, idx: LevelIdx) -> Option<&Level> {
        self.levels.get(idx)
    }

    /// The level called `name`.
    pub fn level_index(&self, name: &str) -> Option<LevelIdx> {
        self.levels.iter().position(|l| l.name == name)
    }

    /// The number people know an item by: the document's own numbering first (「1.3」,
    /// 「No.3」, 「項番2」), and where the document numbers the item only by its place
    /// (「3.1(1)(ウ)① 表1「パッチ適用」」, 「別紙1①外部サービス共通 No.2」), that place; sentei's
    /// own id is added only when the document gives two items the same place (「3.1(1)(イ)
    /// ただし書き（su-1）」). An approver reads these beside the source document.
    pub fn item_number(&self, item: &Item) -> String {
        // The number the profile gives the item where the document prints one (`number:`).
        if let Some(number) = &item.number {
            return number.clone();
        }
        let section = item.section.trim();
        if section.is_empty() || section == item.id {
            return item.id.clone();
        }
        if section.contains(item.id.as_str()) {
            // The id is the document's number; keep the document's own word for it.
            for mark in ["No.", "項番", "No"] {
                let token = format!("{mark}{}", item.id);
                if section.contains(&token) {
                    return token;
                }
            }
            return item.id.clone();
        }
        let shared = self
            .items
            .iter()
            .filter(|other| other.section.trim() == section)
            .count()
            > 1;
        if shared {
            format!("{section}（{}）", item.id)
        } else {
            section.to_owned()
        }
    }

    /// [`Profile::item_number`] of the item with this id, or the id itself when the profile
    /// has no such item (an item added to one assessment, or a revised profile).
    pub fn number_of(&self, id: &str) -> String {
        self.item(id)
            .map_or_else(|| id.to_owned(), |item| self.item_number(item))
    }

    /// Whether the profile covers a classification (an index into CLASSIFICATIONS).
    pub fn covers(&self, classification: u8) -> bool {
        self.scope & crate::condition::value_bit(classification) != 0
    }
}

/// Names a set of items for people: "1.8〜1.13" for a run of three or more in document
/// order, otherwise the ids joined.
pub fn describe_items(items: &[ItemIdx], name: impl Fn(ItemIdx) -> String) -> String {
    let contiguous = items.windows(2).all(|w| w[1] == w[0] + 1);
    match (items.first(), items.last()) {
        (Some(&first), Some(&last)) if contiguous && items.len() > 2 => {
            format!("{}〜{}", name(first), name(last))
        }
        _ => items
            .iter()
            .map(|&i| name(i))
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// The canonical form of an item id: ASCII for full-width ASCII, no spaces.
///
/// People type ids in Japanese input modes ("１．２", "（ア）") and spreadsheets pad cells;
/// none of that should change which item is meant.
pub fn normalize_id(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalize_id;

    #[test]
    fn ids_are_normalized_from_full_width_and_padding() {
        assert_eq!(normalize_id(" １．２ "), "1.2");
        assert_eq!(normalize_id("３.１（２）（ア）①"), "3.1(2)(ア)①");
        assert_eq!(normalize_id("t1-1\u{3000}"), "t1-1");
    }
}
