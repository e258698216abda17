//! People over time from the command line (issue #11, item 5): deactivating, reactivating,
//! editing and importing users, renaming the organization, and `serve --demo` leaving one
//! organization.

use crate::{sentei, text};

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = sentei(dir, args, None);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn fails(dir: &std::path::Path, args: &[&str]) -> String {
    let out = sentei(dir, args, None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}",
        text(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    text(&out.stderr)
}

fn add(dir: &std::path::Path, login: &str, role: &str) {
    ok(
        dir,
        &[
            "user",
            "add",
            login,
            "--name",
            &format!("{login} さん"),
            "--department",
            "情報政策課",
            "--role",
            role,
        ],
    );
}

#[test]
fn users_are_deactivated_reactivated_and_edited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["org", "add", "shunan", "（組織名を設定してください）"]);
    add(d, "admin", "admin");
    add(d, "tanaka", "applicant");
    let done = ok(d, &["user", "deactivate", "tanaka"]);
    assert_eq!(
        done,
        "tanaka（tanaka さん）を無効にしました。終了したセッション 0 件、無効にした API トークン 0 件\n"
    );
    assert!(ok(d, &["user", "list"]).contains("無効"));
    assert!(ok(d, &["user", "activate", "tanaka"]).contains("有効に戻しました"));
    let edited = ok(
        d,
        &[
            "user",
            "edit",
            "tanaka",
            "--department",
            "市民課",
            "--email",
            "tanaka@city.shunan.lg.jp",
        ],
    );
    assert_eq!(
        edited,
        "tanaka を変更しました: tanaka さん（市民課、tanaka@city.shunan.lg.jp）\n"
    );
    let refused = fails(d, &["user", "edit", "tanaka", "--email", "tanaka@"]);
    assert!(refused.contains("メールアドレス「tanaka@」"), "{refused}");
    assert!(fails(d, &["user", "edit", "tanaka"]).contains("--name"));
    // The last active administrator stays one.
    let last = fails(d, &["user", "deactivate", "admin"]);
    assert!(
        last.contains("admin は最後の有効なシステム管理者"),
        "{last}"
    );
    let last = fails(d, &["user", "set-role", "admin", "auditor"]);
    assert!(last.contains("役割を変えることはできません"), "{last}");
    assert!(fails(d, &["user", "deactivate", "nobody"]).contains("nobody は見つかりません"));
    // The organization gets its name.
    assert_eq!(
        ok(d, &["org", "rename", "周南市"]),
        "組織 shunan の名称を「（組織名を設定してください）」から「周南市」に変えました\n"
    );
    assert!(ok(d, &["org", "list"]).contains("周南市"));
}

#[test]
fn the_april_transfers_are_read_from_the_list_written_before() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["org", "add", "shunan", "周南市"]);
    add(d, "admin", "admin");
    add(d, "tanaka", "applicant");
    add(d, "sato", "ciso");
    let list = ok(d, &["user", "list", "--format", "csv"]);
    assert!(list.starts_with("\u{FEFF}ログイン名,氏名,所属,メールアドレス,役割,状態\r\n"));
    assert!(!list.contains("applicant"), "{list}");
    // April: tanaka moves, sato leaves, kobayashi joins.
    let edited = list
        .replace("tanaka,tanaka さん,情報政策課", "tanaka,tanaka さん,市民課")
        .replace(
            "統括情報セキュリティ責任者,有効",
            "統括情報セキュリティ責任者,無効",
        )
        + "kobayashi,小林 花子,子育て支援課,kobayashi@city.shunan.lg.jp,申請者,有効\r\n";
    std::fs::write(d.join("異動.csv"), &edited).unwrap();
    let dry = ok(d, &["user", "import", "異動.csv", "--dry-run"]);
    assert!(
        dry.starts_with(
            "異動.csv の確認のみです（何も変えていません）: 追加 1 人、変更 2 人、変更なし 1 人"
        ),
        "{dry}"
    );
    assert!(
        dry.contains("4行目 tanaka: 所属: 情報政策課 → 市民課"),
        "{dry}"
    );
    assert!(dry.contains("（取り込むときに作ります）"), "{dry}");
    assert!(!ok(d, &["user", "list"]).contains("kobayashi"));

    // A bad row: nothing changes, every bad row named.
    std::fs::write(
        d.join("誤り.csv"),
        format!("{edited}bad name,氏名,総務課,,係長,\r\nsuzuki,鈴木,,,承認者,\r\n"),
    )
    .unwrap();
    let refused = fails(d, &["user", "import", "誤り.csv"]);
    assert!(
        refused.contains("6行目: 役割「係長」は使えません"),
        "{refused}"
    );
    assert!(refused.contains("7行目: 所属を書いてください"), "{refused}");
    assert!(
        refused.contains("どの利用者も追加・変更していません"),
        "{refused}"
    );
    assert!(!ok(d, &["user", "list"]).contains("kobayashi"));

    let applied = ok(d, &["user", "import", "異動.csv"]);
    assert!(
        applied.starts_with("異動.csv を取り込みました: 追加 1 人、変更 2 人、変更なし 1 人"),
        "{applied}"
    );
    assert!(applied.contains("初期パスワードはこの一度だけ表示します"));
    let listed = ok(d, &["user", "list"]);
    assert!(listed.contains("kobayashi@city.shunan.lg.jp"), "{listed}");
    assert!(listed.contains("市民課"));
    // Each change is in the trail, which still holds together.
    assert!(ok(d, &["audit", "verify"]).contains("の鎖を検証しました"));
}

#[test]
fn serve_with_the_demo_leaves_one_organization() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = crate::browser::start_sentei(dir.path());
    drop(server);
    let orgs = ok(dir.path(), &["org", "list"]);
    assert_eq!(orgs.lines().count(), 2, "the heading and demo only: {orgs}");
    assert!(orgs.contains("demo"), "{orgs}");
    // Commands need no --org, and the demo administrator manages the users.
    let users = ok(dir.path(), &["user", "list"]);
    assert!(users.contains("demo-admin"), "{users}");
    assert!(!users.lines().any(|l| l.starts_with("admin ")), "{users}");
}
