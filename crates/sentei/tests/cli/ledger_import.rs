//! `sentei ledger import` on a real SQLite file: a department's ledger read in after a dry
//! run, refused whole with every bad row named, not registered twice, and sentei's own
//! export read back as a new municipality's starting ledger.

use crate::{sentei, text};

const DEPARTMENT: &str = "\
外部サービス利用台帳（令和８年度）,,,,,,,
No.,サービス名,事業者名,利用目的,情報の格付,利用期間,利用申請者,利用者の範囲
1,Web会議システム,例示通信株式会社,庁内会議,２,令和８年４月１日～令和９年３月３１日,総務課 山田 花子,全庁
2,日程調整,例示合同会社,日程調整,機密性1,2026/4/1から2027/3/31まで,企画課 佐藤一郎,課内
";

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = sentei(dir, args, None);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn entries(dir: &std::path::Path) -> usize {
    let (code, out, err) = run(
        dir,
        &["ledger", "list", "--include-abolished", "--format", "json"],
    );
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_department_ledger_is_read_in_after_a_dry_run_once_and_only_by_an_approver() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = run(d, &["demo", "load", "--services", "0"]);
    assert_eq!(code, Some(0), "{err}");
    let before = entries(d);
    let file = d.join("部署の台帳.csv");
    std::fs::write(&file, DEPARTMENT).unwrap();
    let path = file.to_str().unwrap();

    let (code, out, err) = run(
        d,
        &[
            "ledger",
            "import",
            path,
            "--as",
            "demo-approver",
            "--dry-run",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("2行目 B列 サービス名 → (ア) 外部サービスの名称"),
        "{out}"
    );
    assert!(
        out.contains("2行目 A列 No. → 読み込みません（台帳の項目にあたりません）"),
        "{out}"
    );
    assert!(out.contains("登録する項目（2 件）"), "{out}");
    assert!(
        out.contains("3行目: Web会議システム／例示通信株式会社／機密性2／2026-04-01〜2027-03-31／総務課 山田 花子"),
        "{out}"
    );
    assert!(out.contains("台帳は変更していません"), "{out}");
    assert_eq!(entries(d), before, "a dry run changes nothing");

    let (code, _, err) = run(d, &["ledger", "import", path, "--as", "demo-applicant"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("権限がありません"), "{err}");

    let (code, out, err) = run(d, &["ledger", "import", path, "--as", "demo-approver"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("登録した項目（2 件）") && out.contains("→ 台帳番号"),
        "{out}"
    );
    assert_eq!(entries(d), before + 2);

    let (code, out, err) = run(d, &["ledger", "import", path, "--as", "demo-approver"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("登録した項目（0 件）"), "{out}");
    assert!(
        out.contains("既に台帳にある項目（2 件。登録しません）"),
        "{out}"
    );
    assert_eq!(entries(d), before + 2, "never registered twice");
}

#[test]
fn a_file_with_bad_rows_changes_nothing_and_names_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = run(d, &["demo", "load", "--services", "0"]);
    assert_eq!(code, Some(0), "{err}");
    let before = entries(d);
    let broken = DEPARTMENT
        .replace("令和９年３月３１日", "令和９年２月３０日")
        .replace("企画課 佐藤一郎", "企画課佐藤一郎");
    let file = d.join("台帳.csv");
    std::fs::write(&file, broken).unwrap();
    let (code, out, err) = run(
        d,
        &[
            "ledger",
            "import",
            file.to_str().unwrap(),
            "--as",
            "demo-approver",
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        err.contains("3行目 F列: (オ) 利用期間: 令和9年2月30日という日はありません"),
        "{err}"
    );
    assert!(
        err.contains(
            "4行目 G列: (カ) 利用申請者: 「企画課佐藤一郎」の所属と氏名を空白で区切ってください"
        ),
        "{err}"
    );
    assert!(err.contains("何も出力していません"), "{err}");
    assert_eq!(entries(d), before);

    let (code, _, err) = run(
        d,
        &[
            "ledger",
            "import",
            d.join("ない.csv").to_str().unwrap(),
            "--as",
            "demo-approver",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("ない.csv"), "{err}");
}

#[test]
fn an_exported_ledger_starts_another_municipalitys_ledger() {
    let from = tempfile::tempdir().unwrap();
    let (code, _, err) = run(from.path(), &["demo", "load", "--services", "11"]);
    assert_eq!(code, Some(0), "{err}");
    let workbook = sentei(
        from.path(),
        &["ledger", "list", "--include-abolished", "--format", "xlsx"],
        None,
    )
    .stdout;
    let exported = entries(from.path());

    let to = tempfile::tempdir().unwrap();
    let (code, _, err) = run(to.path(), &["demo", "load", "--services", "0"]);
    assert_eq!(code, Some(0), "{err}");
    let before = entries(to.path());
    let file = to.path().join("台帳.xlsx");
    std::fs::write(&file, workbook).unwrap();
    let (code, out, err) = run(
        to.path(),
        &[
            "ledger",
            "import",
            file.to_str().unwrap(),
            "--as",
            "demo-approver",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("登録した項目（{exported} 件）")),
        "{out}"
    );
    assert!(
        out.contains("（廃止）"),
        "abolished entries keep their state: {out}"
    );
    assert_eq!(entries(to.path()), before + exported);
}
