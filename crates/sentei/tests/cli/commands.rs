//! The commands other than the judgement itself: listing, showing and checking profiles,
//! the table format, `--profiles-dir`, help.

use std::path::Path;

use crate::{sentei, text};

const ASSESSMENT: &str = "profile: city-checklist
service: { name: 例のSaaS, provider: 例示株式会社 }
facts: { classification: \"2\", certifications: [ismap] }
answers: { default: met }
";

fn builtin(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../profiles")
        .join(file);
    std::fs::read_to_string(path).expect("the built-in profile file exists")
}

#[test]
fn profiles_lists_the_five_builtin_profiles_with_their_item_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentei(dir.path(), &["profiles"], None);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    for (id, count) in [
        ("ward-annex", "39"),
        ("city-checklist", "28"),
        ("procurement-spec", "66"),
        ("shunan-2023", "40"),
        ("sakai", "78"),
    ] {
        let line = listing
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} listed"));
        assert!(line.split_whitespace().nth(2) == Some(count), "{line}");
    }
}

#[test]
fn profile_show_prints_items_levels_conditions_and_citations_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentei(dir.path(), &["profile", "show", "ward-annex"], None);
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(shown.contains("■ 項目（39 件）"));
    assert!(shown.contains("[水準の変更] ガバメントクラウド利用の場合はすべて必須"));
    assert!(shown.contains("24 [高]"));
    assert!(shown.contains("「サービス形態」が「SaaS」ではない（SaaS の場合は対象外）"));
    assert!(shown.contains("外部サービス選定基準（資料1仕様書 別紙） No.24"));
}

#[test]
fn profile_show_describes_gates_case_by_case() {
    let dir = tempfile::tempdir().unwrap();
    let shown = text(&sentei(dir.path(), &["profile", "show", "sakai"], None).stdout);
    assert!(shown.contains("[利用禁止] 自治体機密性3Aの情報は"));
    assert!(shown.contains("統括情報セキュリティ責任者の承認が必要"));
    assert!(shown.contains("su-1〜su-3 をすべて満たせば満たす"));
}

#[test]
fn profile_show_of_an_unknown_profile_fails_and_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentei(dir.path(), &["profile", "show", "nara"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("使えるもの: ward-annex, city-checklist"));
    assert!(out.stdout.is_empty());
}

#[test]
fn profile_check_accepts_every_builtin_file() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "ward-annex.yaml",
        "city-checklist.yaml",
        "procurement-spec.yaml",
        "shunan-2023.yaml",
        "sakai.yaml",
    ] {
        std::fs::write(dir.path().join(file), builtin(file)).unwrap();
        let out = sentei(dir.path(), &["profile", "check", file], None);
        assert!(out.status.success(), "{file}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("問題はありません"));
    }
}

#[test]
fn profile_check_names_the_file_the_item_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let broken = builtin("city-checklist.yaml")
        .replace("when: { met: \"1.2\" }", "when: { met: \"1.99\" }")
        .replace(
            "  - id: \"1.5\"\n    category:",
            "  - id: \"1.4\"\n    category:",
        )
        .replace(
            "level: 任意\n    section: \"1.28\"",
            "level: 推奨\n    section: \"1.28\"",
        )
        .replace(
            "applies_when: { fact: \"uses_generative_ai\" }",
            "applies_when: { fact: \"uses_genai\" }",
        );
    std::fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    let out = sentei(dir.path(), &["profile", "check", "broken.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("skip-after-ismap-liu: 存在しない項目 `1.99` を参照しています"),
        "{err}"
    );
    assert!(
        err.contains("1.4: 項目番号 `1.4` が重複しています"),
        "{err}"
    );
    assert!(
        err.contains("1.28: 水準 `推奨` は定義されていません"),
        "{err}"
    );
    assert!(err.contains("事実 `uses_genai` はありません"), "{err}");
    assert!(err.starts_with("broken.yaml:"), "{err}");
}

#[test]
fn profile_check_reports_cycles_between_conditions() {
    let dir = tempfile::tempdir().unwrap();
    // 1.5 applies only when 1.6 is met, while a new rule skips 1.6 when 1.5 is met.
    let cyclic = builtin("city-checklist.yaml")
        .replace("applies_when: { fact: \"uses_generative_ai\" }", "applies_when: { met: \"1.6\" }")
        .replace(
            "rules:\n",
            "rules:\n  - id: cycle\n    kind: skip\n    when: { met: \"1.5\" }\n    items: [\"1.6\"]\n    why: 循環の例\n",
        );
    std::fs::write(dir.path().join("cyclic.yaml"), cyclic).unwrap();
    let out = sentei(dir.path(), &["profile", "check", "cyclic.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("条件が循環しています: 1.5 → 1.6 → 1.5"),
        "{err}"
    );
}

#[test]
fn profiles_dir_adds_a_municipality_profile_and_replaces_a_revised_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    let revised = builtin("city-checklist.yaml").replace("version: \"1\"", "version: \"2\"");
    std::fs::write(profiles.join("city-checklist.yaml"), revised).unwrap();
    let own = builtin("procurement-spec.yaml").replace("id: procurement-spec", "id: our-town");
    std::fs::write(profiles.join("our-town.yml"), own).unwrap();

    let listing = text(
        &sentei(
            dir.path(),
            &["profiles", "--profiles-dir", "profiles"],
            None,
        )
        .stdout,
    );
    assert!(
        listing.lines().any(|l| l.starts_with("our-town")),
        "{listing}"
    );
    let city = listing
        .lines()
        .find(|l| l.starts_with("city-checklist"))
        .unwrap();
    assert_eq!(city.split_whitespace().nth(1), Some("2"), "{listing}");

    std::fs::write(dir.path().join("a.yaml"), ASSESSMENT).unwrap();
    let out = sentei(
        dir.path(),
        &[
            "assess",
            "a.yaml",
            "--format",
            "json",
            "--profiles-dir",
            "profiles",
        ],
        None,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"]["version"], "2");
}

#[test]
fn profiles_dir_with_a_broken_profile_stops_before_judging() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(profiles.join("bad.yaml"), "id: bad\nversion: \"1\"\n").unwrap();
    std::fs::write(dir.path().join("a.yaml"), ASSESSMENT).unwrap();
    let out = sentei(
        dir.path(),
        &["assess", "a.yaml", "--profiles-dir", "profiles"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("bad.yaml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn table_format_summarises_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), ASSESSMENT).unwrap();
    let out = sentei(dir.path(), &["assess", "a.yaml", "--format", "table"], None);
    assert!(out.status.success());
    let table = text(&out.stdout);
    assert!(
        table.contains("判定        承認可能（approvable）"),
        "{table}"
    );
    assert!(table.contains("必要な承認  情報システム管理者"), "{table}");
    assert!(table.contains("1.6   任意  対象外  -"), "{table}");
    assert!(
        table.contains("1.1 (ISMAP) を満たすため 1.6〜1.28 は不要"),
        "{table}"
    );
}

#[test]
fn json_is_the_default_when_output_is_not_a_terminal_and_is_one_object() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), ASSESSMENT).unwrap();
    let out = sentei(dir.path(), &["assess", "a.yaml"], None);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "approvable");
    assert!(
        stdout.contains("例のSaaS"),
        "Japanese text is written as UTF-8, not escaped"
    );
}

#[test]
fn missing_file_and_non_utf8_input_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentei(dir.path(), &["assess", "nowhere.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nowhere.yaml: ファイルが見つかりません"));

    // 「例」 in Shift_JIS.
    std::fs::write(
        dir.path().join("sjis.yaml"),
        b"profile: city-checklist\nservice: { name: \x97\xe1 }\n",
    )
    .unwrap();
    let out = sentei(dir.path(), &["assess", "sjis.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("UTF-8 ではありません"));
}

#[test]
fn oversized_input_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{ASSESSMENT}# {}\n", "x".repeat(9 * 1024 * 1024));
    std::fs::write(dir.path().join("big.yaml"), big).unwrap();
    let out = sentei(dir.path(), &["assess", "big.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("大きすぎます"));
}

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["assess", "--help"],
        vec!["profiles", "--help"],
        vec!["profile", "show", "--help"],
        vec!["profile", "check", "--help"],
    ] {
        let out = sentei(dir.path(), &args, None);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        assert!(help.contains("使い方: sentei"), "{args:?}: {help}");
    }
    let assess = text(&sentei(dir.path(), &["assess", "--help"], None).stdout);
    assert!(assess.contains("--format"));
    assert!(assess.contains("--profiles-dir"));
    assert!(assess.contains("入力に誤りがあるときは行とキーを示して 2 です"));
    // clap's own errors too, through the binary, with exit status 2.
    let wrong = sentei(dir.path(), &["assess", "x.yaml", "--format", "html"], None);
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = text(&wrong.stderr);
    assert!(
        stderr.contains("--format <形式> に `html` は使えません"),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
}

#[test]
fn every_example_in_the_repository_is_a_valid_assessment() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let out = sentei(
            &examples,
            &["assess", path.to_str().unwrap(), "--format", "json"],
            None,
        );
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            text(&out.stderr)
        );
        count += 1;
    }
    assert_eq!(count, 5, "one example per built-in profile");
}

#[test]
fn profile_check_lists_items_without_shared_controls_and_controls_lists_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    // A municipality's own profile, copied from a built-in one, with two items' controls
    // left out and a copy of the vocabulary beside it (as a copied profiles/ folder has).
    let own = builtin("shunan-2023.yaml")
        .replace("id: shunan-2023", "id: our-town")
        .replace("    controls: [ismap]\n", "")
        .replace("    controls: [privacy-mark]\n", "");
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(profiles.join("our-town.yaml"), &own).unwrap();
    std::fs::write(
        profiles.join("controls.yaml"),
        include_str!("../../../../profiles/controls.yaml"),
    )
    .unwrap();

    let out = sentei(
        dir.path(),
        &["profile", "check", "profiles/our-town.yaml"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("問題はありません"), "{stdout}");
    assert!(
        stdout.contains("共有の管理策 (controls) が書かれていない項目が 3 件あります: 1、3、7"),
        "{stdout}"
    );

    // An unknown control is a problem of the file, with its line.
    let wrong = own.replace("controls: [iso27001]", "controls: [iso-27001]");
    std::fs::write(profiles.join("our-town.yaml"), wrong).unwrap();
    let out = sentei(
        dir.path(),
        &["profile", "check", "profiles/our-town.yaml"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("共有の管理策 `iso-27001` は語彙 (profiles/controls.yaml) にありません"),
        "{err}"
    );

    // The vocabulary with the items asking about each control, also those of the folder's
    // profiles (controls.yaml itself is not read as a profile).
    std::fs::write(profiles.join("our-town.yaml"), &own).unwrap();
    let out = sentei(
        dir.path(),
        &["profile", "controls", "--profiles-dir", "profiles"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.contains("■ 法令・データの所在"), "{listing}");
    assert!(listing.contains("データの国内保存"), "{listing}");
    assert!(
        listing.contains("堺市クラウドサービス利用判断基準:") && listing.contains("3.1(2)(エ)①"),
        "{listing}"
    );
    assert!(listing.contains("risk-3（一部）"), "{listing}");
    assert!(
        !listing.contains("data-in-japan"),
        "ids are not for people: {listing}"
    );
}
