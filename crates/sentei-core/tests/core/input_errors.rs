//! Input errors a person can act on: every problem of a file at once, each with its key path
//! and line, in Japanese, never the text of a library (issue 10).

use proptest::prelude::*;
use sentei_core::InputError;
use sentei_core::input::{MAX_LISTED, Problem};

use crate::properties::CATALOG;

fn problems(text: &str) -> Vec<Problem> {
    CATALOG
        .parse_assessment(text)
        .expect_err("the file is refused")
        .problems
}

fn lines(text: &str) -> Vec<String> {
    problems(text).iter().map(ToString::to_string).collect()
}

/// Words of the English messages of serde, serde-saphyr and the YAML scanner. None of them
/// may reach a person outside a quoted key or value.
const LIBRARY_WORDS: &[&str] = &[
    "expected",
    "invalid",
    "found",
    "while",
    "scanning",
    "unknown",
    "missing",
    "field",
    "variant",
    "mapping",
    "sequence",
    "budget",
    "breach",
    "documents",
    "tabs",
    "disallowed",
    "scalar",
    "string",
    "column",
    "error",
    "unexpected",
    "allowed",
    "struct",
    "integer",
    "character",
];

/// The message without what it quotes back (`…`), lower-cased.
fn own_words(problem: &Problem) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in problem.message.chars() {
        if c == '`' {
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out.to_lowercase()
}

fn assert_japanese(problem: &Problem) {
    let words = own_words(problem);
    for word in LIBRARY_WORDS {
        assert!(
            !words
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| w == *word),
            "English library text in {problem}"
        );
    }
}

#[test]
fn an_unknown_profile_and_a_missing_service_are_reported_together() {
    let text = "profile: nowhere\nfacts: { classification: \"2\", colour: red }\n";
    let found = lines(text);
    assert!(
        found
            .iter()
            .any(|l| l.contains("profile: プロファイル `nowhere` はありません")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|l| l.contains("service: 必須のキー `service`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|l| l.starts_with("2行目: facts.colour: 不明な事実 `colour`")),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn every_problem_of_the_shape_is_reported_with_its_key_path() {
    let text = r#"profile: city-checklist
service: { name: [a], provider: 例示, colour: red }
facts: { classification: "2" }
answers:
  default: not_applicable
  items:
    "1.3": { status: met, evidence: [SLA, 契約書] }
    "1.12": { status: maybe }
    "1.14": { reason: 理由だけ }
    "1.15": [met]
  extra: 1
unexpected: true
"#;
    let found = lines(text);
    for expected in [
        "2行目: service.name: 文字列で書いてください（一覧が書かれています）",
        "2行目: service.colour: 不明なキー `colour` です",
        "5行目: answers.default: `not_applicable` は使えない値です（使える値: met, unmet, unanswered）。「対象外」は項目ごとに理由を書いて回答してください",
        "7行目: answers.items.\"1.3\".evidence: 文字列で書いてください（一覧が書かれています）",
        "8行目: answers.items.\"1.12\".status: `maybe` は使えない値です",
        "9行目: answers.items.\"1.14\".status: 回答の状態 (status) がありません",
        "10行目: answers.items.\"1.15\": 回答は状態",
        "11行目: answers.extra: 不明なキー `extra` です",
        "12行目: unexpected: 不明なキー `unexpected` です",
    ] {
        assert!(
            found.iter().any(|l| l.starts_with(expected)),
            "missing {expected:?} in {found:?}"
        );
    }
    // In the order of the file.
    let numbers: Vec<u64> = problems(text).iter().filter_map(|p| p.line).collect();
    assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "{numbers:?}");
}

#[test]
fn at_most_a_hundred_problems_are_listed_then_the_rest_counted() {
    let mut text = String::from(
        "profile: city-checklist\nservice: { name: a, provider: b }\nfacts: { classification: \"2\" }\nanswers:\n  items:\n",
    );
    for n in 0..150 {
        text.push_str(&format!("    \"x{n}\": met\n"));
    }
    let error: InputError = CATALOG.parse_assessment(&text).unwrap_err();
    assert_eq!(error.total, 150);
    assert_eq!(error.problems.len(), MAX_LISTED + 1);
    let last = error.problems.last().unwrap().to_string();
    assert_eq!(
        last,
        "ほか 50 件の問題があります（最初の 100 件だけを示しています）"
    );
}

#[test]
fn a_huge_key_is_shown_shortened() {
    let key = "鍵".repeat(100_000);
    // YAML limits plain keys to 1,024 characters; a longer one is written as an explicit key.
    let text = format!(
        "profile: city-checklist\nservice: {{ name: a, provider: b }}\nfacts:\n  classification: \"2\"\n  ? {key}\n  : true\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    let shown = found[0].to_string();
    assert!(
        shown.chars().count() < 600,
        "{} characters",
        shown.chars().count()
    );
    assert!(shown.contains("…（全 100000 文字）"), "{shown}");
}

#[test]
fn empty_sections_mean_none() {
    for answers in [
        "answers:\n",
        "answers:\n  items:\n",
        "answers: {}\n",
        "answers:\n  items: {}\n  default:\n",
    ] {
        let text = format!(
            "profile: city-checklist\nservice: {{ name: a, provider: b }}\nfacts:\n  classification: \"2\"\n  certifications:\n{answers}extra_items:\n"
        );
        let read = CATALOG.parse_assessment(&text);
        assert!(read.is_ok(), "{answers:?}: {:?}", read.err());
        let read = read.unwrap();
        assert!(read.answers.iter().all(Option::is_none));
        assert_eq!(read.default, None);
    }
}

#[test]
fn two_documents_in_one_file_are_named_as_such() {
    let one = "profile: city-checklist\nservice: { name: a, provider: b }\nfacts: { classification: \"2\" }\n";
    let found = problems(&format!("{one}---\n{one}"));
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .contains("一つのファイルに YAML の文書が二つ以上あります"),
        "{}",
        found[0]
    );
    assert_japanese(&found[0]);
}

#[test]
fn syntax_errors_are_explained_in_japanese_with_their_line() {
    for (text, expected) in [
        ("profile: a\n\tservice: b\n", "タブ"),
        ("profile: [a, b\n", "括弧"),
        ("profile: a: b\n", "コロン"),
        ("profile: \"a\n", "引用符"),
        ("profile: \"a\" b\n", "引用符"),
        ("profile: a\n  service: b\n", "キーと値"),
        (
            "profile: a\nprofile: b\n",
            "キー `profile` が重複しています",
        ),
        ("\u{feff}profile: *x\n", "別名"),
    ] {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        assert!(
            found[0].message.contains(expected),
            "{text:?}: {}",
            found[0]
        );
        assert!(found[0].line.is_some(), "{text:?}: {}", found[0]);
        assert_japanese(&found[0]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Whatever is typed, the messages are Japanese: no English text of a library reaches a
    /// person, only the keys and values they wrote, quoted.
    #[test]
    fn no_library_english_reaches_a_person(
        lines in proptest::collection::vec(prop_oneof![
            Just("profile: city-checklist".to_owned()),
            Just("service: { name: a, provider: b }".to_owned()),
            Just("facts:".to_owned()),
            Just("  classification: \"2\"".to_owned()),
            Just("answers:".to_owned()),
            Just("  items:".to_owned()),
            Just("    \"1.3\": met".to_owned()),
            Just("---".to_owned()),
            "[ -~\t]{0,24}",
            "[ a-z:\\[\\]{},\"'&*!|>-]{0,24}",
        ], 0..10),
    ) {
        let text = lines.join("\n");
        if let Err(error) = CATALOG.parse_assessment(&text) {
            for problem in &error.problems {
                let words = own_words(problem);
                for word in LIBRARY_WORDS {
                    prop_assert!(
                        !words.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w == *word),
                        "English library text in {problem} for {text:?}"
                    );
                }
            }
        }
    }
}
