//! Tests of profile compilation: each way a profile file can be wrong is refused with a
//! message naming the item or rule.

use crate::profile::Profile;

const HEADER: &str = "id: town\nversion: \"1\"\ntitle: 町の基準\nsource: { document: 町の基準 }\nlevels:\n  - { name: 必須, meaning: must }\n  - { name: 任意, meaning: may }\n";

/// Compiles a profile made of HEADER and `rest`, returning its problems as text.
fn problems(rest: &str) -> Vec<String> {
    match Profile::from_yaml(&format!("{HEADER}{rest}")) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

fn assert_problem(rest: &str, needle: &str) {
    let found = problems(rest);
    assert!(
        found.iter().any(|p| p.contains(needle)),
        "expected {needle:?} in {found:?}"
    );
}

const TWO_ITEMS: &str = "items:\n  - { id: a, text: 要件A, level: 必須, section: \"1\" }\n  - { id: b, text: 要件B, level: 任意, section: \"2\" }\n";

#[test]
fn a_minimal_profile_compiles() {
    assert_eq!(problems(TWO_ITEMS), Vec::<String>::new());
}

#[test]
fn unknown_levels_and_duplicate_ids_are_named_with_their_line() {
    assert_problem(
        "items:\n  - { id: a, text: x, level: 高, section: \"1\" }\n",
        "9行目: a: 水準 `高` は定義されていません（定義済み: 必須, 任意）",
    );
    assert_problem(
        "items:\n  - { id: a, text: x, level: 必須, section: \"1\" }\n  - { id: ａ, text: y, level: 必須, section: \"2\" }\n",
        "項目番号 `ａ` が重複しています",
    );
}

#[test]
fn conditions_must_name_known_facts_values_items_and_certifications() {
    let with = |cond: &str| {
        format!(
            "items:\n  - {{ id: a, text: x, level: 必須, section: \"1\", applies_when: {cond} }}\n  - {{ id: b, text: y, level: 必須, section: \"2\" }}\n"
        )
    };
    assert_problem(&with("{ fact: colour }"), "事実 `colour` はありません");
    assert_problem(
        &with("{ fact: connection, is: fiber }"),
        "事実 `connection` に値 `fiber` はありません",
    );
    assert_problem(
        &with("{ fact: connection }"),
        "is / in / not_in / unset のいずれか",
    );
    assert_problem(&with("{ met: z }"), "存在しない項目 `z` を参照しています");
    assert_problem(
        &with("{ certified: [iso9001] }"),
        "認証 `iso9001` はありません",
    );
    assert_problem(
        &with("{ fact: government_cloud, met: b }"),
        "いずれか一つだけ",
    );
    assert_problem(&with("{ is: true }"), "fact と一緒に");
    assert_problem(&with("{ any: [] }"), "条件が一つもありません");
    let deep = (0..20).fold("true".to_owned(), |inner, _| format!("{{ not: {inner} }}"));
    assert_problem(&with(&deep), "入れ子が深すぎます");
}

#[test]
fn an_item_reading_itself_is_a_cycle() {
    assert_problem(
        "items:\n  - { id: a, text: x, level: 必須, section: \"1\", applies_when: { met: a } }\n",
        "条件が循環しています: a → a",
    );
}

#[test]
fn rules_are_checked_for_their_kind() {
    let rule = |r: &str| format!("rules:\n  - {r}\n{TWO_ITEMS}");
    assert_problem(
        &rule("{ id: r, kind: skip, when: true, why: x }"),
        "r: skip の規則に対象の項目 (items) がありません",
    );
    assert_problem(
        &rule("{ id: r, kind: skip, when: true, items: [\"b..a\"], why: x }"),
        "文書の順に",
    );
    assert_problem(
        &rule("{ id: r, kind: skip, when: true, items: [\"a..z\"], why: x }"),
        "存在しない項目番号",
    );
    assert_problem(
        &rule("{ id: r, kind: level, when: true, items: [\"*\"], why: x }"),
        "新しい水準 (level) がありません",
    );
    assert_problem(
        &rule("{ id: r, kind: level, when: true, items: [\"*\"], level: 高, why: x }"),
        "水準 `高` は定義されていません",
    );
    assert_problem(
        &rule("{ id: r, kind: prohibit, when: { met: a }, why: x }"),
        "事実 (facts) だけで",
    );
    assert_problem(
        &rule("{ id: r, kind: prohibit, when: true, items: [a], why: x }"),
        "items も level も書きません",
    );
    assert_problem(
        &rule("{ id: r, kind: skip, when: true, items: [a], why: \"\" }"),
        "説明 (why) が空です",
    );
}

#[test]
fn derived_items_need_a_final_catch_all_case() {
    let item = "items:\n  - id: g\n    text: x\n    level: 必須\n    section: \"1\"\n    derived:\n      - { when: { fact: government_cloud }, answer: met, why: y }\n";
    assert_problem(item, "`when: true`");
    let both = "items:\n  - id: g\n    text: x\n    level: 必須\n    section: \"1\"\n    derived:\n      - { when: true, answer: met, from_items: [g], why: y }\n";
    assert_problem(both, "answer か from_items のどちらか一つ");
}

#[test]
fn certification_decisiveness_reads_facts_only() {
    assert_problem(
        "items:\n  - { id: a, text: x, level: 必須, section: \"1\", certification: { any_of: [ismap], decisive_when: { met: b } } }\n  - { id: b, text: y, level: 必須, section: \"2\" }\n",
        "decisive_when は事実 (facts) だけで",
    );
}

#[test]
fn unknown_keys_and_bad_ids_are_refused() {
    assert_problem(
        &TWO_ITEMS.replace("section: \"2\"", "section: \"2\", colour: red"),
        "不明なキー `colour`",
    );
    let bad_id = TWO_ITEMS.replace("id: a", "id: \"a..b\"");
    assert_problem(&bad_id, "`..` や `*` を含めません");
    let bad_profile_id = "id: Town!\nversion: \"1\"\ntitle: t\nsource: { document: d }\nlevels: [{ name: 必須, meaning: must }]\nitems: [{ id: a, text: x, level: 必須, section: s }]\n";
    let err = Profile::from_yaml(bad_profile_id).unwrap_err().to_string();
    assert!(err.contains("英小文字・数字・ハイフン"), "{err}");
}

#[test]
fn shared_controls_must_be_in_the_vocabulary_and_named_once() {
    let ok = "items:\n  - { id: a, text: x, level: 必須, section: \"1\", controls: [data-in-japan], controls_partly: [japanese-law] }\n";
    let profile = Profile::from_yaml(&format!("{HEADER}{ok}")).expect("compiles");
    let links = &profile.items[0].controls;
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].control, "data-in-japan");
    assert_eq!(links[0].coverage, crate::controls::Coverage::Full);
    assert_eq!(links[1].control, "japanese-law");
    assert_eq!(links[1].coverage, crate::controls::Coverage::Partly);

    assert_problem(
        "items:\n  - { id: a, text: x, level: 必須, section: \"1\", controls: [data-in-japon] }\n",
        "9行目: a: 共有の管理策 `data-in-japon` は語彙 (profiles/controls.yaml) にありません",
    );
    assert_problem(
        "items:\n  - { id: a, text: x, level: 必須, section: \"1\", controls: [backup], controls_partly: [backup] }\n",
        "共有の管理策 `backup` が 2 回書かれています",
    );
    // An item without controls compiles: a municipality's own profile may map later, and
    // `sentei profile check` lists what is left.
    assert_eq!(problems(TWO_ITEMS), Vec::<String>::new());
}
