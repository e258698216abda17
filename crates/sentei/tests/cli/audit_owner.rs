//! `sentei audit verify` against the database's owner (issue 12, finding 15), on a real SQLite
//! file: the head file written beside the database by every command that writes, records cut
//! off the end, and rows changed with SQL, each reported in Japanese with exit code 1.

use std::path::Path;

use sea_orm::{ConnectionTrait, Database};

use crate::{sentei, text};

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = sentei(dir, args, None);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let out = sentei(dir, args, None);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

/// Runs SQL on the demo database behind sentei's back.
fn tamper(dir: &Path, sql: &str) {
    let url = format!("sqlite://{}", dir.join("sentei-data/sentei.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = Database::connect(&url).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
    });
}

#[test]
fn issue_12_records_cut_off_the_end_are_reported_from_the_head_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "load", "--services", "3"]);
    let heads = d.join("sentei-data/audit-heads.log");
    let published = std::fs::read_to_string(&heads).unwrap();
    assert!(
        published.lines().last().unwrap().contains(" org=demo seq="),
        "{published}"
    );
    let verified = ok(d, &["audit", "verify"]);
    assert!(verified.contains("に書き出された末尾"), "{verified}");
    assert!(
        verified.contains("行が、監査記録が最後に記録した状態と一致しました"),
        "{verified}"
    );
    // A copy of the heads kept on another host.
    std::fs::copy(&heads, d.join("elsewhere.log")).unwrap();

    tamper(
        d,
        "DELETE FROM audit_records WHERE seq > (SELECT MAX(seq) - 2 FROM audit_records)",
    );
    let cut = fails(d, &["audit", "verify"], 1);
    assert!(
        cut.contains("demo: 記録 ") && cut.contains("以降が削除されています"),
        "{cut}"
    );
    assert!(
        cut.ends_with("sentei: 監査記録と一致しないところがあります\n"),
        "{cut}"
    );
    // The same from the copy elsewhere, even when the file beside the database is gone.
    std::fs::remove_file(&heads).unwrap();
    let from_copy = fails(d, &["audit", "verify", "--head-file", "elsewhere.log"], 1);
    assert!(from_copy.contains("以降が削除されています"), "{from_copy}");
    // A head file that cannot be read is said, not skipped.
    let missing = fails(d, &["audit", "verify", "--head-file", "nowhere.log"], 2);
    assert!(missing.contains("nowhere.log を読めません"), "{missing}");
}

#[test]
fn issue_12_rows_changed_in_sql_are_named_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "load", "--services", "3"]);
    tamper(
        d,
        "UPDATE users SET role = 'admin' WHERE login = 'demo-applicant'",
    );
    tamper(d, "UPDATE ledger_entries SET period_end = '2099-03-31'");
    tamper(d, "UPDATE assessments SET verdict = 'approvable'");
    let found = fails(d, &["audit", "verify"], 1);
    // The chain itself holds; the rows do not.
    assert!(found.contains("件の鎖を検証しました"), "{found}");
    let user = found
        .lines()
        .find(|l| l.contains("利用者 demo-applicant（"))
        .unwrap_or_else(|| panic!("{found}"));
    assert!(
        user.starts_with("demo: ") && user.ends_with("監査記録のない変更があります（役割）"),
        "{user}"
    );
    assert!(
        found
            .lines()
            .any(|l| l.contains("台帳の項目 ") && l.ends_with("（利用期間の終わり）")),
        "{found}"
    );
    assert!(
        found
            .lines()
            .any(|l| l.contains(": 評価 ") && l.ends_with("（判定）")),
        "{found}"
    );
    assert!(
        !found.contains("user:") && !found.contains("period_end"),
        "{found}"
    );
}

#[test]
fn issue_12_without_a_head_file_verify_says_what_it_did_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("sentei.toml"),
        "[audit]\nhead_file = \"\"\nhead_log = false\n",
    )
    .unwrap();
    ok(
        d,
        &["--config", "sentei.toml", "org", "add", "shunan", "周南市"],
    );
    assert!(!d.join("sentei-data/audit-heads.log").exists());
    let verified = ok(d, &["--config", "sentei.toml", "audit", "verify"]);
    assert!(
        verified.contains("末尾から切り取られた記録は確かめていません"),
        "{verified}"
    );
    let shown = ok(d, &["--config", "sentei.toml", "config", "show"]);
    assert!(
        shown.contains("[audit]") && shown.contains("書き出しません"),
        "{shown}"
    );
}
