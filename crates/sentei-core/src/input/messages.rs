//! The parser's and serde's errors in plain Japanese.
//!
//! Errors are told apart by their kind (serde-saphyr's `Error` variants, the YAML scanner's
//! `ErrorKind`), never by matching English text, and no English text of a library is ever
//! passed on: a kind without a translation of its own gets a general Japanese message with
//! its line.

use serde_saphyr::Error;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::localizer::ExternalMessageSource;

use super::{Problem, shorten};

/// One error of the parser or of serde, as a problem a person can act on.
pub(super) fn problem_of(error: &Error) -> Problem {
    let line = error.location().map(|l| l.line()).filter(|&line| line > 0);
    let (key, message) = describe(error);
    Problem { line, key, message }
}

fn describe(error: &Error) -> (Option<String>, String) {
    match error {
        Error::AliasError { error, .. } => describe(error),
        Error::SerdeUnknownField {
            field, expected, ..
        } => (
            Some(shorten(field)),
            format!(
                "不明なキー `{}` です（使えるキー: {}）",
                shorten(field),
                names(expected)
            ),
        ),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            None,
            format!(
                "`{}` は使えない値です（使える値: {}）",
                shorten(variant),
                names(expected)
            ),
        ),
        Error::SerdeMissingField { field, .. } => (
            Some((*field).to_owned()),
            format!("必須のキー `{field}` がありません"),
        ),
        Error::DuplicateMappingKey { key, .. } => match key {
            Some(key) => (
                Some(shorten(key)),
                format!("キー `{}` が重複しています", shorten(key)),
            ),
            None => (None, "同じキーが二度書かれています".to_owned()),
        },
        Error::InvalidBooleanStrict { .. } => (
            None,
            "真偽値は true または false で書いてください".to_owned(),
        ),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            None,
            format!(
                "{}ではなく、{}を書いてください",
                value_kind(unexpected),
                expected_kind(expected)
            ),
        ),
        Error::SerdeInvalidLength { expected, .. } => (
            None,
            format!("要素の数が正しくありません（{}）", expected_kind(expected)),
        ),
        Error::MultipleDocuments { .. } => (None, TWO_DOCUMENTS.to_owned()),
        Error::Budget { breach, .. } => (None, budget(breach)),
        Error::Eof { .. } => (
            None,
            "ファイルが途中で終わっています（閉じていない括弧や引用符がないか確かめてください）"
                .to_owned(),
        ),
        Error::InvalidUtf8Input => (
            None,
            "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください".to_owned(),
        ),
        Error::MergeKeyNotAllowed { .. } | Error::MergeValueNotMapOrSeqOfMaps { .. } => (
            None,
            "マージキー `<<` は使えません。値をそのまま書いてください".to_owned(),
        ),
        Error::UnknownAnchor { .. } => (
            None,
            "参照している別名（*名前）の定義（&名前）がありません".to_owned(),
        ),
        Error::NonFiniteFloat { value, .. } => (
            None,
            format!("`{}` は数として扱えない値です", shorten(value)),
        ),
        Error::ExternalMessage { source, .. } => match source.as_ref() {
            ExternalMessageSource::Parser(scan) => (None, syntax(scan.kind())),
            _ => (None, GENERAL.to_owned()),
        },
        _ => (None, GENERAL.to_owned()),
    }
}

const GENERAL: &str = "YAML として読めません。この行の書き方（字下げ、コロンの後の空白、括弧や引用符の対応）を確かめてください";

const TWO_DOCUMENTS: &str = "一つのファイルに YAML の文書が二つ以上あります（`---` で区切られています）。一つのファイルには一つだけ書いてください";

/// A YAML syntax error by the scanner's kind.
fn syntax(kind: &ErrorKind) -> String {
    let message = match kind {
        ErrorKind::TabNotAllowed
        | ErrorKind::TabInBlockIndentation
        | ErrorKind::TabInPlainScalar => "字下げにタブ文字は使えません。空白で字下げしてください",
        ErrorKind::MappingValueNotAllowed
        | ErrorKind::InvalidMappingValueWhitespace
        | ErrorKind::InvalidColonPlacement => {
            "ここにはキーと値（キー: 値）を書けません。字下げと、値の中のコロン（:）を確かめてください。コロンを含む値は引用符で囲みます"
        }
        ErrorKind::InvalidIndentation | ErrorKind::ExpectedBlockMappingKey => {
            "字下げがそろっていません。同じ階層のキーは同じ位置から書いてください"
        }
        ErrorKind::UnexpectedEofFlowSequence
        | ErrorKind::UnexpectedEofFlowMapping
        | ErrorKind::UnexpectedEofImplicitFlowMapping => "括弧（[ ] や { }）が閉じられていません",
        ErrorKind::UnexpectedEofBlockSequence
        | ErrorKind::UnexpectedEofBlockMapping
        | ErrorKind::UnexpectedEof => "ファイルが途中で終わっています",
        ErrorKind::UnclosedQuotedScalar | ErrorKind::DocumentIndicatorInQuotedScalar => {
            "引用符（\" や '）が閉じられないままファイルが終わっています"
        }
        ErrorKind::InvalidTrailingSingleQuotedScalar
        | ErrorKind::InvalidTrailingDoubleQuotedScalar => {
            "引用符で囲んだ値の後に文字が続いています。値の中に引用符を書くときは、別の種類の引用符で囲んでください"
        }
        ErrorKind::UnknownQuotedScalarEscape
        | ErrorKind::InvalidQuotedScalarHexEscape
        | ErrorKind::InvalidUnicodeEscape => {
            "二重引用符の中の \\ の使い方が正しくありません。\\ を書くときは \\\\ としてください"
        }
        ErrorKind::ExpectedFlowMappingSeparator | ErrorKind::ExpectedFlowSequenceSeparator => {
            "括弧（[ ] や { }）の中の区切り（カンマ）か閉じ括弧がありません"
        }
        ErrorKind::UnexpectedCharacter { .. } => {
            "値の始めに使えない文字があります。記号で始まる値は引用符で囲んでください"
        }
        ErrorKind::MultipleDocumentsUnsupported => TWO_DOCUMENTS,
        ErrorKind::UnknownAnchor => "参照している別名（*名前）の定義（&名前）がありません",
        ErrorKind::InputDecoding { .. } => {
            "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください"
        }
        _ => GENERAL,
    };
    message.to_owned()
}

fn budget(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Documents { .. } => TWO_DOCUMENTS.to_owned(),
        BudgetBreach::Depth { .. } => "入れ子が深すぎます".to_owned(),
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
            "別名（&名前・*名前）が多すぎます".to_owned()
        }
        _ => "ファイルの要素が多すぎます".to_owned(),
    }
}

fn names(expected: &[&str]) -> String {
    if expected.is_empty() {
        "なし".to_owned()
    } else {
        expected.join(", ")
    }
}

/// serde's description of a value it met ("string \"x\"", "integer `5`", "map") in Japanese.
fn value_kind(unexpected: &str) -> String {
    let (kind, value) = unexpected.split_once(' ').unwrap_or((unexpected, ""));
    let value = value.trim_matches(|c| c == '`' || c == '"');
    let name = match kind {
        "string" => "文字列",
        "integer" => "整数",
        "floating" => "数",
        "boolean" => "真偽値",
        "map" => "対応表（キー: 値）",
        "sequence" => "一覧",
        "unit" | "null" | "none" | "Option" => "空の値",
        "char" => "文字",
        _ => "この値",
    };
    if value.is_empty() || matches!(kind, "floating" | "unit") {
        name.to_owned()
    } else {
        format!("{name} `{}`", shorten(value))
    }
}

/// serde's description of what it expected ("a string", "struct ItemDoc") in Japanese. Our
/// own visitors already describe themselves in Japanese; those pass through.
fn expected_kind(expected: &str) -> String {
    if !expected.is_ascii() {
        return expected.to_owned();
    }
    let e = expected.trim_start_matches("a ").trim_start_matches("an ");
    let name = if e.starts_with("string") || e.starts_with("str") {
        "文字列"
    } else if e.starts_with("sequence") || e.starts_with("Vec") || e.starts_with("seq") {
        "一覧（[a, b] のような形）"
    } else if e.starts_with("bool") {
        "true または false"
    } else if e.starts_with("struct") || e.starts_with("map") {
        "対応表（キー: 値）"
    } else if e.starts_with('u') || e.starts_with('i') || e.contains("integer") {
        "整数"
    } else if e.starts_with('f') {
        "数"
    } else {
        "正しい形の値"
    };
    name.to_owned()
}
