//! Shared controls: the vocabulary of the distinct things the profiles ask about.
//!
//! Each source document words its items its own way (「国内リージョンおよびデータの保存」,
//! 「データの所在・適用法と裁判管轄」, 「情報資産は、日本国の法律が及ぶ範囲に設置すること」), but many
//! ask about the same thing. A profile item names the controls it asks about (`controls:` when
//! answering the control answers the item, `controls_partly:` when the control is only part of
//! what the item asks), so that a vendor's answer given once per control can serve every
//! profile. The vocabulary is data, `profiles/controls.yaml`, compiled into the binary.
//!
//! Ids are for profile files only; people see the Japanese name and description.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::input::{InputError, Limits, parse_yaml};

/// The vocabulary file, as shipped.
pub const BUILTIN_CONTROLS: &str = include_str!("../../../profiles/controls.yaml");

/// The vocabulary is a few dozen entries; anything far larger is not one.
const CONTROLS_LIMITS: Limits = Limits {
    max_bytes: 512 * 1024,
    max_events: 50_000,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Control {
    pub id: String,
    /// Heading under which lists show the control (法令・データの所在, 技術的対策, ...).
    pub group: String,
    pub name: String,
    pub description: String,
}

/// How much of an item a control covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Answering the control answers the item (together with the item's other full controls).
    Full,
    /// The control is part of what the item asks; its answer informs but does not decide it.
    Partly,
}

/// One control an item asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlLink {
    pub control: String,
    pub coverage: Coverage,
}

/// The vocabulary, in file order.
#[derive(Debug, Default)]
pub struct Controls {
    list: Vec<Control>,
    index: HashMap<String, usize>,
}

impl Controls {
    /// Reads a vocabulary file; every problem is named (duplicate ids, empty names).
    pub fn from_yaml(text: &str) -> Result<Controls, InputError> {
        let doc: ControlsDoc = parse_yaml(text, CONTROLS_LIMITS)?;
        let mut problems = Vec::new();
        let mut controls = Controls::default();
        for entry in doc.controls {
            let ControlDoc {
                id,
                group,
                name,
                description,
            } = entry;
            if !is_control_id(&id) {
                problems.push(crate::Problem::new(
                    None,
                    id.clone(),
                    "管理策の id は英小文字・数字・ハイフンで書いてください",
                ));
            }
            if name.trim().is_empty() || description.trim().is_empty() {
                problems.push(crate::Problem::new(
                    None,
                    id.clone(),
                    "管理策の名前 (name) と説明 (description) を書いてください",
                ));
            }
            if controls.index.contains_key(&id) {
                problems.push(crate::Problem::new(
                    None,
                    id.clone(),
                    "同じ id の管理策が 2 つあります",
                ));
                continue;
            }
            controls.index.insert(id.clone(), controls.list.len());
            controls.list.push(Control {
                id,
                group,
                name,
                description,
            });
        }
        if problems.is_empty() {
            Ok(controls)
        } else {
            Err(InputError::new(problems))
        }
    }

    pub fn get(&self, id: &str) -> Option<&Control> {
        self.index.get(id).and_then(|&i| self.list.get(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Control> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The Japanese name of a control, or the id itself if the vocabulary lacks it (which a
    /// compiled profile rules out).
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).map_or(id, |c| c.name.as_str())
    }
}

/// The built-in vocabulary. A broken built-in file gives an empty vocabulary, so that every
/// profile naming a control is refused with a message instead of the program stopping; the
/// test suite rules that out before a release.
pub fn builtin_controls() -> &'static Controls {
    static CONTROLS: OnceLock<Controls> = OnceLock::new();
    CONTROLS.get_or_init(|| Controls::from_yaml(BUILTIN_CONTROLS).unwrap_or_default())
}

/// An item's controls in Japanese, e.g. 「データの国内保存、日本の法令の適用（準拠法）（一部）」.
pub fn describe(links: &[ControlLink]) -> String {
    let vocabulary = builtin_controls();
    links
        .iter()
        .map(|link| match link.coverage {
            Coverage::Full => vocabulary.name(&link.control).to_owned(),
            Coverage::Partly => format!("{}（一部）", vocabulary.name(&link.control)),
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn is_control_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlsDoc {
    controls: Vec<ControlDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlDoc {
    id: String,
    group: String,
    name: String,
    description: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_vocabulary_reads_and_names_every_control_in_japanese() {
        let controls = Controls::from_yaml(BUILTIN_CONTROLS).expect("controls.yaml reads");
        assert!(controls.len() >= 40, "{} controls", controls.len());
        assert_eq!(builtin_controls().len(), controls.len());
        for control in controls.iter() {
            assert!(
                !control.name.is_ascii() && !control.description.is_ascii(),
                "{} is not described in Japanese",
                control.id
            );
            assert!(
                !control.group.trim().is_empty(),
                "{} has no group",
                control.id
            );
        }
        assert_eq!(controls.name("data-in-japan"), "データの国内保存");
    }

    #[test]
    fn an_items_controls_are_described_by_name_with_partial_ones_marked() {
        let links = [
            ControlLink {
                control: "data-in-japan".to_owned(),
                coverage: Coverage::Full,
            },
            ControlLink {
                control: "japanese-law".to_owned(),
                coverage: Coverage::Partly,
            },
        ];
        assert_eq!(
            describe(&links),
            "データの国内保存、日本の法令の適用（準拠法）（一部）"
        );
    }

    #[test]
    fn duplicate_ids_bad_ids_and_empty_names_are_refused() {
        let text = "controls:\n\
            - { id: a-1, group: g, name: 甲, description: 説明 }\n\
            - { id: a-1, group: g, name: 乙, description: 説明 }\n\
            - { id: Bad_Id, group: g, name: 丙, description: 説明 }\n\
            - { id: c, group: g, name: '', description: 説明 }\n";
        let error = Controls::from_yaml(text).expect_err("refused");
        let messages: Vec<String> = error.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("同じ id")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("英小文字")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("名前")), "{messages:?}");
    }
}
