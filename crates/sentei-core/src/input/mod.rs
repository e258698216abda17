//! Reading YAML (and JSON, which is YAML) written by people, with bounded size and plain
//! Japanese messages that name the line and the key.
//!
//! Every file sentei reads from outside goes through [`parse_yaml`] (into typed structs) or
//! [`read_tree`] (into a [`tree::Node`] for readers that report every problem at once): both
//! refuse oversized input before parsing, limit the parser's work (aliases, nesting, events,
//! one document), reject duplicate keys, and report the parser's and serde's errors in
//! Japanese ([`messages`]). Problems are capped at [`MAX_LISTED`] per input, and keys and
//! values echoed in messages are shortened ([`shorten`]).

mod messages;
pub mod tree;

use std::fmt;

use serde::de::DeserializeOwned;

/// One problem found in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the file, where known.
    pub line: Option<u64>,
    /// The key (`facts.connection`), item id or value the problem is about.
    pub key: Option<String>,
    /// What is wrong, in Japanese.
    pub message: String,
}

impl Problem {
    /// A problem about `key`; a key longer than people can read is shortened.
    pub fn new(line: Option<u64>, key: impl Into<String>, message: impl Into<String>) -> Problem {
        let key: String = key.into();
        Problem {
            line,
            key: Some(shorten(&key)),
            message: message.into(),
        }
    }
}

/// Most characters of a key or value echoed back in a message.
const MAX_ECHO_CHARS: usize = 60;

/// Text echoed back in a message, shortened when long: a 100,000-character key shows as its
/// first characters and its length.
pub fn shorten(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_ECHO_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_ECHO_CHARS).collect();
    format!("{head}…（全 {count} 文字）")
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "{line}行目: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Most problems listed for one input; the rest are counted.
pub const MAX_LISTED: usize = 100;

/// The problems found in one input; never empty. At most [`MAX_LISTED`] are listed, followed
/// by a line 「ほか N 件…」 when there were more; `total` counts them all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    pub problems: Vec<Problem>,
    pub total: usize,
}

impl InputError {
    pub fn one(problem: Problem) -> InputError {
        InputError::new(vec![problem])
    }

    /// The problems, listed up to [`MAX_LISTED`].
    pub fn new(problems: Vec<Problem>) -> InputError {
        let total = problems.len();
        InputError::counted(problems, total)
    }

    /// `problems` (already capped by whoever collected them) out of `total`.
    pub fn counted(mut problems: Vec<Problem>, total: usize) -> InputError {
        problems.truncate(MAX_LISTED);
        let total = total.max(problems.len());
        if total > problems.len() {
            problems.push(Problem {
                line: None,
                key: None,
                message: format!(
                    "ほか {} 件の問題があります（最初の {MAX_LISTED} 件だけを示しています）",
                    total - problems.len()
                ),
            });
        }
        InputError { problems, total }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Limits for one kind of input file.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_events: usize,
}

/// An assessment: a profile id, a service, its facts and answers.
pub const ASSESSMENT_LIMITS: Limits = Limits {
    max_bytes: 2 * 1024 * 1024,
    max_events: 200_000,
};

/// A profile: a few hundred items with their texts.
pub const PROFILE_LIMITS: Limits = Limits {
    max_bytes: 4 * 1024 * 1024,
    max_events: 400_000,
};

/// Longest free text accepted in one field (reason, evidence, item text), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Parses YAML or JSON text into `T`, bounded by `limits`. Stops at the first problem serde
/// meets; readers that must report every problem use [`read_tree`].
pub fn parse_yaml<T: DeserializeOwned>(text: &str, limits: Limits) -> Result<T, InputError> {
    check_size(text, limits)?;
    serde_saphyr::from_str_with_options(text, options(limits))
        .map_err(|e| InputError::one(messages::problem_of(&e)))
}

/// Parses YAML or JSON text into a tree of nodes with their lines, bounded by `limits`.
pub fn read_tree(text: &str, limits: Limits) -> Result<tree::Node, InputError> {
    check_size(text, limits)?;
    let root: tree::SpannedNode = serde_saphyr::from_str_with_options(text, options(limits))
        .map_err(|e| InputError::one(messages::problem_of(&e)))?;
    Ok(tree::build(text, root))
}

fn check_size(text: &str, limits: Limits) -> Result<(), InputError> {
    if text.len() > limits.max_bytes {
        return Err(InputError::one(Problem {
            line: None,
            key: None,
            message: format!(
                "ファイルが大きすぎます（{} バイト。上限は {} バイトです）",
                text.len(),
                limits.max_bytes
            ),
        }));
    }
    Ok(())
}

fn options(limits: Limits) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = limits.max_events;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_depth = 64;
    budget.max_documents = 1;
    serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        merge_keys: serde_saphyr::MergeKeyPolicy::Error,
        strict_booleans: true,
        with_snippet: false,
    }
}

/// Checks a free-text field's length and characters, recording a problem when it is too long
/// or holds a character no text may (see [`forbidden_character`]); line ends and tabs are
/// allowed.
pub fn check_text(text: &str, line: Option<u64>, key: &str, problems: &mut Vec<Problem>) {
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        problems.push(Problem::new(
            line,
            key,
            format!("文字数が多すぎます（{chars} 文字。上限は {MAX_TEXT_CHARS} 文字です）"),
        ));
    }
    if let Some(message) = character_problem(text, Lines::Many) {
        problems.push(Problem::new(line, key, message));
    }
}

/// Whether a text may run over several lines (a reason, a purpose) or is one line (a name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character of `text` that no text kept by sentei may hold, if any: control
/// characters (C0 but tab and line ends where the text has lines, DEL, C1), and the
/// characters that reorder text for display (bidirectional embeddings, overrides and
/// isolates, U+202A–U+202E and U+2066–U+2069), which can make a record read differently from
/// what it says. A NUL was stored by SQLite and refused by PostgreSQL (issue 12, finding 9):
/// refusing these at every boundary keeps both databases, the exports and the audit trail the
/// same.
pub fn forbidden_character(text: &str, lines: Lines) -> Option<char> {
    text.chars().find(|&c| match c {
        '\t' | '\n' | '\r' => lines == Lines::One,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    })
}

/// Why `text` is refused, in Japanese, if it holds a [`forbidden_character`].
pub fn character_problem(text: &str, lines: Lines) -> Option<String> {
    let c = forbidden_character(text, lines)?;
    let code = format!("U+{:04X}", u32::from(c));
    Some(match c {
        '\t' | '\n' | '\r' => format!("改行やタブ（{code}）は使えません。1 行で書いてください"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            format!("文字の表示の向きを変える制御文字（{code}）は使えません")
        }
        _ => format!("制御文字（{code}）は使えません"),
    })
}

/// Line of a spanned value, if the parser knew it (JSON-via-serde and defaults do not).
pub fn line_of<T>(spanned: &serde_saphyr::Spanned<T>) -> Option<u64> {
    Some(spanned.referenced.line()).filter(|&line| line > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_refused_line_ends_where_lines_are() {
        for (text, lines, refused) in [
            ("通常の文字列、全角　空白も", Lines::One, None),
            ("行1\n行2\r\n\t字下げ", Lines::Many, None),
            ("行1\n行2", Lines::One, Some('\n')),
            ("名前\u{0}", Lines::Many, Some('\u{0}')),
            ("\u{1b}[31m", Lines::Many, Some('\u{1b}')),
            ("a\u{7f}", Lines::Many, Some('\u{7f}')),
            ("a\u{85}", Lines::Many, Some('\u{85}')),
            ("承認\u{202e}可能", Lines::Many, Some('\u{202e}')),
            ("\u{2066}x\u{2069}", Lines::One, Some('\u{2066}')),
            // Marks that only hint a direction reorder nothing by themselves.
            ("\u{200f}x", Lines::One, None),
        ] {
            assert_eq!(forbidden_character(text, lines), refused, "{text:?}");
        }
        assert_eq!(
            character_problem("a\u{202e}", Lines::One).unwrap(),
            "文字の表示の向きを変える制御文字（U+202E）は使えません"
        );
        assert_eq!(
            character_problem("a\u{0}", Lines::One).unwrap(),
            "制御文字（U+0000）は使えません"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // fields exist to be parsed
    struct Doc {
        name: String,
        #[serde(default)]
        flag: bool,
    }

    fn error_of(text: &str) -> Problem {
        parse_yaml::<Doc>(text, ASSESSMENT_LIMITS)
            .unwrap_err()
            .problems
            .remove(0)
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let p = error_of("name: a\nnmae: b\n");
        assert_eq!(p.line, Some(2));
        assert_eq!(p.key.as_deref(), Some("nmae"));
        assert_eq!(
            p.message,
            "不明なキー `nmae` です（使えるキー: name, flag）"
        );
    }

    #[test]
    fn missing_keys_and_bad_booleans_are_explained() {
        assert_eq!(
            error_of("flag: true\n").message,
            "必須のキー `name` がありません"
        );
        assert_eq!(
            error_of("name: a\nflag: yes\n").message,
            "真偽値は true または false で書いてください"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let p = error_of("name: a\nname: b\n");
        assert_eq!(p.key.as_deref(), Some("name"));
        assert!(p.message.contains("重複"));
    }

    #[test]
    fn malformed_yaml_names_its_line() {
        let p = error_of("name: [a\nflag: true\n");
        assert!(p.line.is_some());
        assert!(
            p.message.starts_with("YAML として読めません"),
            "{}",
            p.message
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let limits = Limits {
            max_bytes: 10,
            max_events: 100,
        };
        let err = parse_yaml::<Doc>("name: abcdefghijk\n", limits).unwrap_err();
        assert!(err.problems[0].message.contains("大きすぎます"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        bomb.push_str("name: x\n");
        assert!(parse_yaml::<serde_json::Value>(&bomb, ASSESSMENT_LIMITS).is_err());
    }

    #[test]
    fn json_is_read_as_yaml_even_when_indented_with_tabs() {
        let doc: Doc = parse_yaml(
            "{\n\t\"name\": \"a\",\n\t\"flag\": true\n}\n",
            ASSESSMENT_LIMITS,
        )
        .unwrap();
        assert_eq!(doc.name, "a");
        assert!(doc.flag);
    }
}
