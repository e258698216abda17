//! The operations commands on a real SQLite file: schema, configuration, organizations,
//! users, the ledger in its three formats, audit verification, backups.

use sea_orm::{ConnectionTrait, Database};

use crate::{sentei, sentei_with, text};

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = sentei(dir, args, None);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn fails(dir: &std::path::Path, args: &[&str], code: i32) -> String {
    let out = sentei(dir, args, None);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

#[test]
fn migrate_creates_the_schema_in_the_data_directory_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(dir.path(), &["db", "migrate"]);
    assert!(
        first.contains("sqlite://./sentei-data/sentei.db"),
        "{first}"
    );
    // Every migration is applied, in order, the first time; none the second. (Versions may
    // leave gaps: work merged separately takes its own numbers.)
    let applied: Vec<u32> = first
        .lines()
        .filter_map(|l| l.split_once("適用しました: 版 "))
        .filter_map(|(_, rest)| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(applied.starts_with(&[1, 2, 3, 4, 5]), "{first}");
    assert!(applied.windows(2).all(|w| w[0] < w[1]), "{first}");
    let latest = *applied.last().unwrap();
    assert!(dir.path().join("sentei-data/sentei.db").exists());
    let again = ok(dir.path(), &["db", "migrate"]);
    assert!(
        again.contains(&format!("スキーマは最新です（版 {latest}）")),
        "{again}"
    );
}

#[test]
fn configuration_comes_from_flags_environment_or_file_and_hides_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentei_with(
        dir.path(),
        &["config", "show"],
        None,
        &[(
            "SENTEI_DATABASE_URL",
            "postgres://sentei:hunter2hunter2@db.example/sentei",
        )],
    );
    let shown = text(&out.stdout);
    assert!(
        shown.contains("postgres://sentei:***@db.example/sentei"),
        "{shown}"
    );
    assert!(shown.contains("環境変数"));
    assert!(!shown.contains("hunter2") && !text(&out.stderr).contains("hunter2"));

    std::fs::write(
        dir.path().join("sentei.toml"),
        "data_dir = \"/srv/sentei\"\n",
    )
    .unwrap();
    let shown = ok(
        dir.path(),
        &[
            "--config",
            "sentei.toml",
            "--database-url",
            "sqlite://x.db",
            "config",
            "show",
        ],
    );
    assert!(
        shown.contains("database_url = \"sqlite://x.db\"   # コマンドラインの指定"),
        "{shown}"
    );
    assert!(
        shown.contains("data_dir = \"/srv/sentei\"   # 設定ファイル"),
        "{shown}"
    );

    std::fs::write(dir.path().join("bad.toml"), "databse_url = \"x\"\n").unwrap();
    let err = fails(dir.path(), &["--config", "bad.toml", "config", "show"], 2);
    assert!(err.contains("databse_url"), "{err}");
    // A broken database setting does not stop judging, which needs no database.
    let profiles = sentei_with(
        dir.path(),
        &["profiles"],
        None,
        &[("SENTEI_DATABASE_URL", "mysql://nope")],
    );
    assert!(profiles.status.success());
}

#[test]
fn users_are_added_listed_given_roles_and_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let none = fails(d, &["user", "list"], 2);
    assert!(none.contains("sentei org add"), "{none}");
    ok(d, &["org", "add", "shunan", "周南市"]);
    let added = ok(
        d,
        &[
            "user",
            "add",
            "tanaka",
            "--name",
            "田中 一郎",
            "--department",
            "情報政策課",
            "--role",
            "applicant",
        ],
    );
    assert!(
        added.contains("初期パスワード（この一度だけ表示します）: "),
        "{added}"
    );
    let password = added.lines().last().unwrap().rsplit(": ").next().unwrap();
    assert_eq!(password.len(), 20);

    let out = sentei(
        d,
        &[
            "user",
            "add",
            "suzuki",
            "--name",
            "鈴木",
            "--department",
            "情報政策課",
            "--role",
            "approver",
            "--password-stdin",
        ],
        Some("my own long password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("パスワード"),
        "a password given is not echoed"
    );

    let duplicate = fails(
        d,
        &[
            "user",
            "add",
            "tanaka",
            "--name",
            "x",
            "--department",
            "y",
            "--role",
            "ciso",
        ],
        2,
    );
    assert!(
        duplicate.contains("ログイン名 tanaka はすでに使われています"),
        "{duplicate}"
    );
    let bad_role = fails(
        d,
        &[
            "user",
            "add",
            "sato",
            "--name",
            "x",
            "--department",
            "y",
            "--role",
            "boss",
        ],
        2,
    );
    assert!(bad_role.contains("使える値: applicant"), "{bad_role}");

    assert!(ok(d, &["user", "set-role", "tanaka", "auditor"]).contains("監査担当者"));
    let listed = ok(d, &["user", "list"]);
    assert!(
        listed.contains("tanaka") && listed.contains("監査担当者（auditor）"),
        "{listed}"
    );
    let changed = ok(d, &["user", "passwd", "suzuki"]);
    assert!(
        changed.contains("新しいパスワード（この一度だけ表示します）"),
        "{changed}"
    );

    ok(d, &["org", "add", "sakai", "堺市"]);
    let ambiguous = fails(d, &["user", "list"], 2);
    assert!(
        ambiguous.contains("--org で指定してください（shunan, sakai）"),
        "{ambiguous}"
    );
    assert!(!ok(d, &["--org", "sakai", "user", "list"]).contains("tanaka"));
}

#[test]
fn the_ledger_lists_as_a_table_as_csv_for_excel_and_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loaded = ok(d, &["demo", "load", "--services", "11"]);
    assert_eq!(
        loaded
            .lines()
            .filter(|l| l.starts_with("committed"))
            .count(),
        11
    );

    let table = ok(d, &["ledger", "list"]);
    assert!(
        table.contains("(ア) サービス") && table.ends_with("4 件\n"),
        "{table}"
    );
    assert!(ok(d, &["ledger", "list", "--include-abolished"]).ends_with("5 件\n"));

    let csv = sentei(d, &["ledger", "list", "--format", "csv"], None).stdout;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let csv = text(&csv);
    let header = csv.lines().next().unwrap();
    for heading in sentei_core::ledger::HEADINGS {
        assert!(header.contains(heading), "{heading} in {header}");
    }
    assert!(csv.contains("\r\n"), "CRLF line ends");
    assert_eq!(csv.lines().count(), 5, "header and four entries");

    let sjis = sentei(d, &["ledger", "list", "--format", "csv-cp932"], None).stdout;
    assert!(
        !sjis.starts_with(b"\xEF\xBB\xBF"),
        "no byte-order mark in Shift_JIS"
    );
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!errors);
    assert_eq!(decoded, csv.trim_start_matches('\u{FEFF}'));

    let workbook = sentei(d, &["ledger", "list", "--format", "xlsx"], None).stdout;
    assert!(workbook.starts_with(b"PK"), "an .xlsx (zip) file");

    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["ledger", "list", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[0]["fields"]["user_scope"], "課内の職員に限る");

    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .date();
    let soon: serde_json::Value = serde_json::from_str(&ok(
        d,
        &["ledger", "list", "--expiring", "400", "--format", "json"],
    ))
    .unwrap();
    assert!(!soon.as_array().unwrap().is_empty());
    for entry in soon.as_array().unwrap() {
        let end = time::Date::parse(
            entry["fields"]["period_end"].as_str().unwrap(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .unwrap();
        assert!(
            end >= today && end <= today + time::Duration::days(400),
            "{end}"
        );
    }
}

#[test]
fn audit_verify_passes_untouched_and_names_a_tampered_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "load", "--services", "3"]);
    let verified = ok(d, &["audit", "verify"]);
    assert!(
        verified.contains("demo: 記録") && verified.contains("件の鎖を検証しました"),
        "{verified}"
    );
    let head = verified
        .lines()
        .find(|l| l.contains("末尾のハッシュ: "))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_owned();
    ok(d, &["audit", "verify", "--expect-head", &head]);
    let wrong = fails(d, &["audit", "verify", "--expect-head", "0000"], 1);
    assert!(
        wrong.contains("末尾のハッシュが指定の値と一致しません"),
        "{wrong}"
    );

    let url = format!("sqlite://{}", d.join("sentei-data/sentei.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = Database::connect(&url).await.unwrap();
        db.execute_unprepared("UPDATE audit_records SET object = 'application:999' WHERE seq = 12")
            .await
            .unwrap();
        db.close().await.unwrap();
    });
    let broken = fails(d, &["audit", "verify"], 1);
    assert!(
        broken.contains("demo: 記録 12 が改ざんされています"),
        "{broken}"
    );
}

#[test]
fn backups_are_complete_databases_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "load", "--services", "4"]);
    assert!(ok(d, &["backup", "copy.db"]).contains("copy.db"));
    let from_copy = ok(
        d,
        &["--database-url", "sqlite://copy.db", "audit", "verify"],
    );
    assert!(from_copy.contains("demo: 記録"), "{from_copy}");
    let again = fails(d, &["backup", "copy.db"], 2);
    assert!(again.contains("上書きしない"), "{again}");
}

#[test]
fn a_backup_is_restored_whole_after_its_checks_and_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "load", "--services", "3"]);
    ok(d, &["backup", "copy.db"]);
    ok(d, &["org", "add", "later", "後から追加した市"]);
    assert!(ok(d, &["org", "list"]).contains("later"));

    let asked = fails(d, &["restore", "copy.db"], 2);
    assert!(asked.contains("--force を付けて"), "{asked}");
    std::fs::write(d.join("junk.db"), b"not a database").unwrap();
    let junk = fails(d, &["restore", "junk.db", "--force"], 2);
    assert!(
        junk.contains("sentei のバックアップではないか、壊れています"),
        "{junk}"
    );
    assert!(
        ok(d, &["org", "list"]).contains("later"),
        "a refused restore changes nothing"
    );

    let restored = ok(d, &["restore", "copy.db", "--force"]);
    assert!(restored.contains("バックアップを戻しました"), "{restored}");
    // The heads published before the restore are kept aside: the restore says so, and the
    // restored chain verifies against the heads published from now on.
    assert!(
        restored.contains("監査記録の末尾のファイルを") && restored.contains("before-restore-"),
        "{restored}"
    );
    let orgs = ok(d, &["org", "list"]);
    assert!(!orgs.contains("later") && orgs.contains("demo"), "{orgs}");
    assert!(ok(d, &["audit", "verify"]).contains("demo: 記録"));

    // A database a server is using is not replaced (the server's hold is a shared lock on
    // sentei.db.lock, taken here as a server takes it).
    let url = sentei_store::DatabaseUrl::sqlite(&d.join("sentei-data/sentei.db"));
    let serving = sentei_store::ServingLock::take(&url).unwrap();
    let busy = fails(d, &["restore", "copy.db", "--force"], 2);
    assert!(busy.contains("サーバーを止めてから"), "{busy}");
    drop(serving);
    ok(d, &["restore", "copy.db", "--force"]);
}

#[test]
fn a_database_newer_than_the_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["db", "migrate"]);
    let url = format!("sqlite://{}", d.join("sentei-data/sentei.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = Database::connect(&url).await.unwrap();
        db.execute_unprepared(
            "INSERT INTO sentei_schema VALUES (99, 'future', '2030-01-01T00:00:00Z')",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
    });
    let refused = fails(d, &["user", "list"], 2);
    assert!(
        refused.contains("新しい版の sentei を使ってください"),
        "{refused}"
    );
}

#[test]
fn the_demo_has_entries_expiring_soon_expired_changed_and_being_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loaded = ok(d, &["demo", "load", "--services", "16"]);
    assert!(loaded.contains("status=consulted"), "{loaded}");
    let soon = ok(d, &["ledger", "list", "--expiring", "30"]);
    let states: Vec<&str> = soon
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().last())
        .collect();
    // The expired first, then those ending within 30 days.
    assert_eq!(states, ["期限切れ", "利用中", "件"], "{soon}");
    let json = ok(d, &["ledger", "list", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&json).unwrap();
    let expired = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["expired"] == true)
        .count();
    assert_eq!(expired, 1, "{json}");
}

/// Issue 12, finding 6: `sentei user passwd` left the user's sessions and API tokens working.
#[test]
fn issue_12_user_passwd_ends_the_users_sessions_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["org", "add", "shunan", "周南市"]);
    let out = sentei(
        d,
        &[
            "user",
            "add",
            "suzuki",
            "--name",
            "鈴木",
            "--department",
            "情報政策課",
            "--role",
            "approver",
            "--password-stdin",
        ],
        Some("my own long password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = sentei_store::DatabaseUrl::sqlite(&d.join("sentei-data/sentei.db"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (session, token) = runtime.block_on(async {
        let store = sentei_store::Store::open(&url).await.unwrap();
        let me = store
            .authenticate("suzuki", "my own long password")
            .await
            .unwrap()
            .unwrap();
        let (session, _) = store.start_session(&me).await.unwrap();
        let (token, _) = store
            .create_token(
                &me,
                &sentei_store::NewToken::new("集計", sentei_core::access::Scope::ReadWrite),
            )
            .await
            .unwrap();
        store.close().await.unwrap();
        (session, token)
    });
    let changed = ok(d, &["user", "passwd", "suzuki"]);
    assert!(
        changed.contains("ログイン 1 件と API トークン 1 件を無効にしました"),
        "{changed}"
    );
    runtime.block_on(async {
        let store = sentei_store::Store::open(&url).await.unwrap();
        assert!(store.session(&session).await.unwrap().is_none());
        assert!(store.token_actor(&token).await.unwrap().is_none());
        store.close().await.unwrap();
    });
}

#[test]
fn issue_12_the_first_administrators_password_is_kept_out_of_the_log_and_must_be_changed() {
    use std::io::{BufRead, BufReader, Read};
    // Run as a service is: output to a pipe (the journal), not a terminal.
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::command(dir.path(), &[("SENTEI_LOG", "debug")])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("sentei を起動しました") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logged = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logged)
        .unwrap();
    let file = dir.path().join("sentei-data/admin-initial-password.txt");
    assert!(
        said.contains("admin-initial-password.txt に書きました"),
        "{said}"
    );
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(password.len() >= 12);
    assert!(!said.contains(&password) && !logged.contains(&password));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let url = sentei_store::DatabaseUrl::sqlite(&dir.path().join("sentei-data/sentei.db"));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = sentei_store::Store::open(&url).await.unwrap();
        let admin = store
            .authenticate("admin", &password)
            .await
            .unwrap()
            .unwrap();
        assert!(admin.password_change_due());
    });
}
