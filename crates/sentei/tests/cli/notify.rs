//! `sentei notify` through a real SMTP server (aiosmtpd, started by each test): mails of
//! notifications sent once, a digest, STARTTLS with a sign-in, and the crash cases: a sender
//! killed before it handed a mail over sends it on the next run; one killed after handing it
//! over never sends it again by itself. Without /usr/bin/python3 and aiosmtpd the tests say so
//! and pass, unless `SENTEI_REQUIRE_SMTP=1` (set by `.ci/run`, which installs them).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sentei_core::assessment::Catalog;
use sentei_core::builtin_profiles;
use sentei_core::notify::MailMode;
use sentei_core::workflow::{Action, Kind, UserRole};
use sentei_store::{DatabaseUrl, NewApplication, NewService, NewUser, Store};

use crate::{command, text};

const PYTHON: &str = "/usr/bin/python3";

const APPROVABLE: &str = "profile: city-checklist
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap] }
answers: { default: met }
";

/// Whether a real SMTP server can be started here.
pub(crate) fn available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("SENTEI_REQUIRE_SMTP").is_none(),
            "SENTEI_REQUIRE_SMTP is set but {PYTHON} cannot import aiosmtpd"
        );
        eprintln!("skipped: no aiosmtpd for {PYTHON} (apt install python3-aiosmtpd)");
    }
    ok
}

/// Waits for a file to appear: the relay's port, or its mark that it is stalling.
pub(crate) fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running SMTP server and the messages it accepted.
pub(crate) struct Relay {
    child: Child,
    pub(crate) port: u16,
    pub(crate) dir: PathBuf,
}

impl Relay {
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Relay {
        let dir = dir.to_owned();
        std::fs::create_dir_all(&dir).unwrap();
        let port_file = dir.join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/smtp_relay.py");
        let child = Command::new(PYTHON)
            .arg(script)
            .arg("--dir")
            .arg(&dir)
            .arg("--port-file")
            .arg(&port_file)
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(&port_file);
        let port = std::fs::read_to_string(&port_file)
            .unwrap()
            .parse()
            .unwrap();
        Relay { child, port, dir }
    }

    /// The messages accepted, in the order accepted.
    pub(crate) fn messages(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A municipality whose applicant asked for pre-consultation: both approvers are told, one
/// wanting each notification by mail, the other a daily digest.
async fn municipality(dir: &Path) -> DatabaseUrl {
    let url = DatabaseUrl::sqlite(&dir.join("sentei.db"));
    let store = Store::open(&url).await.unwrap();
    let catalog = Catalog::new(builtin_profiles().unwrap());
    store.create_organization("shunan", "周南市").await.unwrap();
    let operator = store.operator("shunan").await.unwrap();
    let mut actors = Vec::new();
    for (login, name, role) in [
        ("tanaka", "田中 一郎", UserRole::Applicant),
        ("suzuki", "鈴木 次郎", UserRole::Approver),
        ("ito", "伊藤 三郎", UserRole::Approver),
    ] {
        store
            .add_user(
                &operator,
                NewUser {
                    login: login.to_owned(),
                    display_name: name.to_owned(),
                    department: "情報政策課".to_owned(),
                    role,
                    password: "correct horse battery staple".to_owned(),
                    email: String::new(),
                },
            )
            .await
            .unwrap();
        actors.push(
            store
                .authenticate(login, "correct horse battery staple")
                .await
                .unwrap()
                .unwrap(),
        );
    }
    store
        .set_mail_settings(&actors[1], "suzuki@example.lg.jp", MailMode::Each)
        .await
        .unwrap();
    store
        .set_mail_settings(&actors[2], "ito@example.lg.jp", MailMode::Digest)
        .await
        .unwrap();
    let service = store
        .create_service(
            &actors[0],
            NewService {
                name: "クラウド会計".to_owned(),
                provider: "例示株式会社".to_owned(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&actors[0], &catalog, service.id, APPROVABLE)
        .await
        .unwrap();
    let application = store
        .create_application(
            &actors[0],
            NewApplication {
                service_id: service.id,
                assessment_id: assessment.id,
                purpose: "会計処理".to_owned(),
                user_scope: "会計課内".to_owned(),
                period_start: time::macros::date!(2026 - 04 - 01),
                period_end: time::macros::date!(2027 - 03 - 31),
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    store
        .act(
            &actors[0],
            &catalog,
            application.id,
            Action::StartPreConsultation,
            "",
            None,
        )
        .await
        .unwrap();
    store.close().await.unwrap();
    url
}

/// The configuration file: the relay at `port`, with `extra` lines in `[mail]`.
pub(crate) fn configure(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let file = dir.join("sentei.toml");
    std::fs::write(
        &file,
        format!(
            "[mail]\nenabled = true\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nfrom = \"sentei@example.lg.jp\"\npublic_url = \"https://sentei.example.lg.jp\"\ntimeout_seconds = 20\n{extra}"
        ),
    )
    .unwrap();
    file
}

fn notify_command(dir: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = command(dir, &[]);
    command
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(config)
        .arg("notify")
        .args(args);
    command
}

/// Runs `sentei notify`; (stdout, stderr), after checking it succeeded.
fn notify(dir: &Path, config: &Path, args: &[&str]) -> (String, String) {
    let output = notify_command(dir, config, args).output().unwrap();
    let (out, err) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{out}\n{err}");
    (out, err)
}

/// Sets the notifications of a user back by two days, as if written before yesterday's
/// daily time (a test tampering with the database).
async fn written_two_days_ago(url: &DatabaseUrl, login: &str) {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(url.expose()).await.unwrap();
    let when = (time::OffsetDateTime::now_utc() - time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    db.execute_unprepared(&format!(
        "UPDATE notifications SET created_at = '{when}' WHERE user_id = (SELECT id FROM users WHERE login = '{login}')"
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_mailed_once_each_or_in_a_daily_digest() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = municipality(dir.path()).await;
    let relay = Relay::start(&dir.path().join("relay"), &[]);
    let config = configure(dir.path(), relay.port, "");
    let (out, _) = notify(dir.path(), &config, &[]);
    assert!(out.contains("メールを 1 通送りました。"), "{out}");
    let messages = relay.messages();
    assert_eq!(messages.len(), 1, "the digest waits for its time");
    let mail = &messages[0];
    assert_eq!(
        mail["rcpt_tos"],
        serde_json::json!(["suzuki@example.lg.jp"])
    );
    assert_eq!(
        mail["subject"],
        "【sentei】「クラウド会計」の事前協議の依頼が届きました"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(body.starts_with("鈴木 次郎 様"), "{body}");
    assert!(body.contains("田中 一郎（情報政策課）から"), "{body}");
    assert!(
        body.contains("https://sentei.example.lg.jp/applications/1"),
        "{body}"
    );
    assert!(
        mail["message_id"]
            .as_str()
            .unwrap()
            .starts_with("<sentei.1.1.1@")
    );
    // Sent once: the next run has nothing to send.
    let (out, _) = notify(dir.path(), &config, &[]);
    assert!(out.contains("送るメールはありません"), "{out}");
    assert_eq!(relay.messages().len(), 1);
    // Written before the daily time: the digest goes, once.
    written_two_days_ago(&url, "ito").await;
    notify(dir.path(), &config, &[]);
    notify(dir.path(), &config, &[]);
    let messages = relay.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1]["rcpt_tos"],
        serde_json::json!(["ito@example.lg.jp"])
    );
    assert!(
        messages[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("【sentei】お知らせのまとめ（1 件、"),
        "{}",
        messages[1]["subject"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_killed_before_handing_a_mail_over_sends_it_on_the_next_run() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    municipality(dir.path()).await;
    let stalling = Relay::start(&dir.path().join("stalling"), &["--stall", "rcpt"]);
    let config = configure(dir.path(), stalling.port, "");
    let mut sender = notify_command(dir.path(), &config, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The relay is waiting to answer RCPT TO: the sender is killed there.
    wait_for(&stalling.dir.join("stalled"));
    sender.kill().unwrap();
    sender.wait().unwrap();
    assert!(stalling.messages().is_empty());
    let relay = Relay::start(&dir.path().join("relay"), &[]);
    let config = configure(dir.path(), relay.port, "");
    let (out, err) = notify(dir.path(), &config, &[]);
    assert!(out.contains("メールを 1 通送りました。"), "{out}");
    assert!(err.is_empty(), "nothing uncertain: {err}");
    notify(dir.path(), &config, &[]);
    assert_eq!(relay.messages().len(), 1, "sent once, not lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_killed_after_handing_a_mail_over_never_sends_it_again_by_itself() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    municipality(dir.path()).await;
    // The relay keeps the message, and its answer never comes.
    let lost_answer = Relay::start(&dir.path().join("lost"), &["--stall", "data"]);
    let config = configure(dir.path(), lost_answer.port, "");
    let mut sender = notify_command(dir.path(), &config, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&lost_answer.dir.join("stalled"));
    sender.kill().unwrap();
    sender.wait().unwrap();
    assert_eq!(lost_answer.messages().len(), 1, "the relay has it");
    let relay = Relay::start(&dir.path().join("relay"), &[]);
    let config = configure(dir.path(), relay.port, "");
    let (out, err) = notify(dir.path(), &config, &[]);
    assert!(out.contains("送るメールはありません"), "{out}");
    assert!(err.contains("届いたか確かめられないメールが 1 通"), "{err}");
    assert!(err.contains("suzuki"), "{err}");
    assert!(relay.messages().is_empty(), "never sent twice by itself");
    // A person checked the relay's log and decided: sent again, with the same Message-ID.
    let (out, err) = notify(dir.path(), &config, &["--resend-uncertain"]);
    assert!(out.contains("メールを 1 通送りました。"), "{out}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(
        relay.messages()[0]["message_id"],
        lost_answer.messages()[0]["message_id"]
    );
}

/// A CA and a certificate for `localhost` signed by it, made with openssl.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=sentei test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "relay.key",
        "-out",
        "relay.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("relay.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "relay.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "relay.pem",
        "-days",
        "2",
        "-extfile",
        "relay.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("relay.pem"),
        dir.join("relay.key"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_signing_in_are_used_and_the_password_is_never_shown() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    municipality(dir.path()).await;
    let (ca, cert, key) = certificates(dir.path());
    let relay = Relay::start(
        &dir.path().join("relay"),
        &[
            "--starttls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            "--auth",
            "sentei:s3cret-relay-password",
        ],
    );
    let tls = |password: &str| {
        format!(
            "starttls = true\nca_file = \"{}\"\nusername = \"sentei\"\npassword = \"{password}\"\n",
            ca.display()
        )
    };
    // The certificate names localhost: so must the host sentei connects to.
    let localhost = |config: &PathBuf| {
        let text = std::fs::read_to_string(config).unwrap();
        std::fs::write(config, text.replace("\"127.0.0.1\"", "\"localhost\"")).unwrap();
    };
    let wrong = configure(dir.path(), relay.port, &tls("wrong-password-42"));
    localhost(&wrong);
    let output = notify_command(dir.path(), &wrong, &[]).output().unwrap();
    let err = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("ログインできません"), "{err}");
    assert!(!err.contains("wrong-password-42"), "{err}");
    assert!(relay.messages().is_empty());
    let config = configure(dir.path(), relay.port, &tls("s3cret-relay-password"));
    localhost(&config);
    let (out, err) = notify(dir.path(), &config, &[]);
    assert!(out.contains("メールを 1 通送りました。"), "{out}{err}");
    let mail = &relay.messages()[0];
    assert_eq!(
        (mail["encrypted"].as_bool(), mail["signed_in"].as_bool()),
        (Some(true), Some(true))
    );
    let shown = command(dir.path(), &[])
        .arg("--config")
        .arg(&config)
        .args(["config", "show"])
        .output()
        .unwrap();
    let shown = text(&shown.stdout);
    assert!(
        shown.contains("password = \"***\"") && !shown.contains("s3cret"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_off_by_default_and_a_dry_run_only_shows_it() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    municipality(dir.path()).await;
    let relay = Relay::start(
        &dir.path().join("relay"),
        &["--reject", "suzuki@example.lg.jp"],
    );
    let off = dir.path().join("off.toml");
    std::fs::write(&off, "").unwrap();
    let (out, _) = notify(dir.path(), &off, &[]);
    assert!(out.contains("メールの送信は設定で無効です"), "{out}");
    let config = configure(dir.path(), relay.port, "");
    let (out, _) = notify(dir.path(), &config, &["--dry-run"]);
    assert!(out.contains("送る予定のメール: 1 通"), "{out}");
    assert!(
        out.contains("宛先: 鈴木 次郎 <suzuki@example.lg.jp>（お知らせごと）"),
        "{out}"
    );
    assert!(
        out.contains("件名: 【sentei】「クラウド会計」の事前協議の依頼が届きました"),
        "{out}"
    );
    assert!(relay.messages().is_empty(), "a dry run sends nothing");
    // A recipient the relay refuses for good is not tried again.
    let (out, _) = notify(dir.path(), &config, &[]);
    assert!(
        out.contains("1 通はメールサーバーが受け付けませんでした"),
        "{out}"
    );
    let (out, _) = notify(dir.path(), &config, &[]);
    assert!(out.contains("送るメールはありません"), "{out}");
    assert!(relay.messages().is_empty());
}
