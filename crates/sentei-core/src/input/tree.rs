//! A YAML (or JSON) document as a plain tree of nodes, each with its line.
//!
//! Readers that must report every problem of a file at once (assessments) read this tree and
//! check it themselves, instead of deserializing into typed structs, where serde stops at the
//! first unknown key or missing field. The parser's own limits apply while the tree is built
//! (see [`super::parse_yaml`]); scalars keep the text as written (`1.10` stays `1.10`).

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// One node of the document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// 1-based line, where the parser knew it.
    pub line: Option<u64>,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `~`, `null`, or nothing at all (`answers:` with nothing under it).
    Null,
    Bool(bool),
    /// A string, or a number as written.
    Scalar(String),
    List(Vec<Node>),
    /// Keys in file order; duplicates were already refused by the parser.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its line.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub text: String,
    pub line: Option<u64>,
}

impl Node {
    /// The entries of a mapping; `None` for anything else. A null node is an empty mapping:
    /// an empty section means "none", as YAML writers expect.
    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            NodeKind::Null => Some(&[]),
            _ => None,
        }
    }

    /// The text of a string or number; `None` for anything else.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// What kind of value this is, in Japanese, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "空の値",
            NodeKind::Bool(_) => "真偽値",
            NodeKind::Scalar(_) => "文字列",
            NodeKind::List(_) => "一覧",
            NodeKind::Map(_) => "対応表（キー: 値）",
        }
    }
}

/// The node as the parser delivers it: a value with its location.
struct Raw<'t> {
    text: &'t str,
}

/// Deserializes one spanned node, then turns it into a [`Node`].
#[derive(Debug)]
pub(super) struct SpannedNode(pub(super) Spanned<RawKind>);

#[derive(Debug)]
pub(super) enum RawKind {
    Null,
    Bool(bool),
    Text(String),
    /// A number; the text as written is recovered from the span when possible.
    Number(String),
    List(Vec<SpannedNode>),
    Map(Vec<(Spanned<String>, SpannedNode)>),
}

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<RawKind>::deserialize(deserializer).map(SpannedNode)
    }
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl<'de> Visitor<'de> for KindVisitor {
            type Value = RawKind;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("値（文字列・数・真偽値・一覧・対応表）")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawKind, E> {
                Ok(RawKind::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<RawKind, E> {
                Ok(RawKind::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
                RawKind::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawKind, E> {
                Ok(RawKind::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawKind, E> {
                Ok(RawKind::Number(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawKind, E> {
                Ok(RawKind::Number(v.to_string()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawKind, E> {
                Ok(RawKind::Number(v.to_string()))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawKind, E> {
                Ok(RawKind::Number(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawKind, E> {
                Ok(RawKind::Number(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawKind, E> {
                Ok(RawKind::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawKind, E> {
                Ok(RawKind::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKind, A::Error> {
                let mut list = Vec::new();
                while let Some(node) = seq.next_element()? {
                    list.push(node);
                }
                Ok(RawKind::List(list))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKind, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawKind::Map(entries))
            }
        }
        deserializer.deserialize_any(KindVisitor)
    }
}

impl Raw<'_> {
    fn node(&self, raw: SpannedNode) -> Node {
        let Spanned {
            value, referenced, ..
        } = raw.0;
        let line = Some(referenced.line()).filter(|&l| l > 0);
        let kind = match value {
            RawKind::Null => NodeKind::Null,
            RawKind::Bool(b) => NodeKind::Bool(b),
            RawKind::Text(t) => NodeKind::Scalar(t),
            RawKind::Number(formatted) => NodeKind::Scalar(
                self.written(&referenced)
                    .filter(|w| !w.is_empty() && !w.contains(['\n', ':', '#']))
                    .map_or(formatted, str::to_owned),
            ),
            RawKind::List(list) => NodeKind::List(list.into_iter().map(|n| self.node(n)).collect()),
            RawKind::Map(entries) => NodeKind::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let key = Key {
                            line: Some(k.referenced.line()).filter(|&l| l > 0),
                            text: k.value,
                        };
                        (key, self.node(v))
                    })
                    .collect(),
            ),
        };
        Node { line, kind }
    }

    /// The text of a scalar as it stands in the file, trimmed.
    fn written(&self, location: &serde_saphyr::Location) -> Option<&str> {
        let span = location.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        self.text.get(start..start.checked_add(len)?).map(str::trim)
    }
}

/// Builds the tree of a parsed document.
pub(super) fn build(text: &str, root: SpannedNode) -> Node {
    Raw { text }.node(root)
}
