//! `sentei sheet export|import`: an assessment file to a workbook and back, without a database.

use crate::{sentei, text};

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn an_assessment_goes_to_a_sheet_and_back_to_a_file_assess_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let source = example("procurement-spec");
    let exported = sentei(
        dir.path(),
        &["sheet", "export", &source, "-o", "sheet.xlsx", "--all"],
        None,
    );
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        text(&exported.stderr)
    );
    assert!(text(&exported.stdout).contains("チェックシートを書き出しました: sheet.xlsx"));
    assert!(
        std::fs::read(dir.path().join("sheet.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );

    let imported = sentei(
        dir.path(),
        &["sheet", "import", "sheet.xlsx", "-o", "back.yaml"],
        None,
    );
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        text(&imported.stderr)
    );
    assert!(text(&imported.stdout).contains("評価ファイルを書き出しました: back.yaml"));

    // The file written is an assessment file: judged, it gives what the original gives.
    let judged_back = sentei(
        dir.path(),
        &["assess", "back.yaml", "--format", "json"],
        None,
    );
    let judged = sentei(dir.path(), &["assess", &source, "--format", "json"], None);
    assert_eq!(
        judged_back.status.code(),
        Some(0),
        "{}",
        text(&judged_back.stderr)
    );
    assert_eq!(text(&judged_back.stdout), text(&judged.stdout));
}

#[test]
fn an_invalid_sheet_exits_2_with_its_problems_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let exported = sentei(
        dir.path(),
        &["sheet", "export", &example("sakai"), "-o", "sheet.xlsx"],
        None,
    );
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        text(&exported.stderr)
    );
    let bytes = std::fs::read(dir.path().join("sheet.xlsx")).unwrap();
    std::fs::write(dir.path().join("cut.xlsx"), &bytes[..bytes.len() / 3]).unwrap();

    let imported = sentei(
        dir.path(),
        &["sheet", "import", "cut.xlsx", "-o", "back.yaml"],
        None,
    );
    assert_eq!(imported.status.code(), Some(2));
    let stderr = text(&imported.stderr);
    assert!(
        stderr.contains("cut.xlsx: cut.xlsx は Excel ブック（.xlsx）として読めません"),
        "{stderr}"
    );
    assert!(stderr.contains("何も出力していません"), "{stderr}");
    assert!(!dir.path().join("back.yaml").exists());

    let missing = sentei(
        dir.path(),
        &["sheet", "import", "none.xlsx", "-o", "back.yaml"],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("none.xlsx: ファイルが見つかりません"));
    assert!(!dir.path().join("back.yaml").exists());
}

#[test]
fn an_existing_file_is_overwritten_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sheet.xlsx"), b"kept").unwrap();
    let args = ["sheet", "export", &example("sakai"), "-o", "sheet.xlsx"];
    let refused = sentei(dir.path(), &args, None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr)
            .contains("sheet.xlsx はすでにあります。上書きするときは --force を付けてください"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(
        std::fs::read(dir.path().join("sheet.xlsx")).unwrap(),
        b"kept"
    );

    let mut forced = args.to_vec();
    forced.push("--force");
    let written = sentei(dir.path(), &forced, None);
    assert_eq!(written.status.code(), Some(0), "{}", text(&written.stderr));
    assert!(
        std::fs::read(dir.path().join("sheet.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );

    std::fs::write(dir.path().join("back.yaml"), b"kept").unwrap();
    let import = sentei(
        dir.path(),
        &["sheet", "import", "sheet.xlsx", "-o", "back.yaml"],
        None,
    );
    assert_eq!(import.status.code(), Some(2));
    assert_eq!(
        std::fs::read(dir.path().join("back.yaml")).unwrap(),
        b"kept"
    );
}
