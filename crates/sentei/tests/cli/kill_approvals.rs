//! An approval and its notification are never lost and never made twice when sentei is killed
//! (SIGKILL) in the middle of them (issue #11, "Bad input and faults").
//!
//! The server is killed while an approver's clients approve a batch of applications through
//! the API, several at once. Every approval the server answered is there; every approved
//! application has exactly one approval in its history, one ledger entry and one notification
//! for its applicant; the clients then retry everything against the restarted server, and
//! still nothing is there twice. Then `sentei notify` is killed while it mails those
//! notifications through a real SMTP server that takes a message and never answers: across
//! both runs each mail reaches the relay once, and the one whose answer was lost is reported,
//! not sent again.
//!
//! Runs on SQLite, and on PostgreSQL when `SENTEI_TEST_DATABASE_URL` is set.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::{Arc, Mutex, mpsc};

use sentei_core::access::Scope;
use sentei_core::assessment::Catalog;
use sentei_core::builtin_profiles;
use sentei_core::notify::{MailMode, NoticeKind};
use sentei_core::workflow::{Action, Kind, Status, UserRole};
use sentei_store::{
    DatabaseUrl, LedgerQuery, NewApplication, NewService, NewToken, NewUser, Store,
};

use crate::browser::start_server;
use crate::durability::on_postgres;
use crate::notify::{Relay, available, configure, wait_for};
use crate::{command, text};

const APPLICATIONS: usize = 24;
/// Approvals answered before the server is killed.
const KILL_AFTER: usize = 8;
/// Clients approving at once.
const CLIENTS: usize = 3;
const PASSWORD: &str = "correct horse battery staple";
const APPROVABLE: &str = "profile: city-checklist
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap] }
answers: { default: met }
";

/// A municipality with `APPLICATIONS` applications submitted by tanaka (who wants each
/// notification by mail), and an API token of the approver suzuki; the applications' ids with
/// the assessment version they pinned.
async fn municipality(url: &DatabaseUrl) -> (Vec<(i64, i64)>, String) {
    let store = Store::open(url).await.unwrap();
    let catalog = Catalog::new(builtin_profiles().unwrap());
    store.create_organization("kill", "試験市").await.unwrap();
    let operator = store.operator("kill").await.unwrap();
    let mut actors = Vec::new();
    for (login, name, role) in [
        ("tanaka", "田中 一郎", UserRole::Applicant),
        ("suzuki", "鈴木 次郎", UserRole::Approver),
    ] {
        let department = if role == UserRole::Applicant {
            "市民課"
        } else {
            "情報政策課"
        };
        store
            .add_user(
                &operator,
                NewUser {
                    login: login.to_owned(),
                    display_name: name.to_owned(),
                    department: department.to_owned(),
                    role,
                    password: PASSWORD.to_owned(),
                    email: String::new(),
                },
            )
            .await
            .unwrap();
        actors.push(store.authenticate(login, PASSWORD).await.unwrap().unwrap());
    }
    let (tanaka, suzuki) = (&actors[0], &actors[1]);
    store
        .set_mail_settings(tanaka, "tanaka@example.lg.jp", MailMode::Each)
        .await
        .unwrap();
    let mut apps = Vec::new();
    for n in 1..=APPLICATIONS {
        let service = store
            .create_service(
                tanaka,
                NewService {
                    name: format!("クラウドサービス {n}"),
                    provider: "例示株式会社".to_owned(),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
        let assessment = store
            .create_assessment(tanaka, &catalog, service.id, APPROVABLE)
            .await
            .unwrap();
        let app = store
            .create_application(
                tanaka,
                NewApplication {
                    service_id: service.id,
                    assessment_id: assessment.id,
                    purpose: "窓口業務".to_owned(),
                    user_scope: "市民課内".to_owned(),
                    period_start: time::macros::date!(2026 - 04 - 01),
                    period_end: time::macros::date!(2027 - 03 - 31),
                    kind: Kind::New,
                    ledger_entry_id: None,
                },
            )
            .await
            .unwrap();
        store
            .act(tanaka, &catalog, app.id, Action::Submit, "", None)
            .await
            .unwrap();
        apps.push((app.id, assessment.version));
    }
    let (token, _) = store
        .create_token(suzuki, &NewToken::new("一括承認", Scope::ReadWrite))
        .await
        .unwrap();
    store.close().await.unwrap();
    (apps, token)
}

/// Asks the server at `base` to approve application `id`; the HTTP status, or `None` when
/// the server is gone.
fn approve(base: &str, token: &str, id: i64, version: i64) -> Option<u16> {
    let address = base.strip_prefix("http://")?;
    let body = format!(
        r#"{{"action":"approve","comment":"承認します","seen_assessment_version":{version}}}"#
    );
    let mut stream = TcpStream::connect(address).ok()?;
    let request = format!(
        "POST /api/v1/applications/{id}/actions HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    response.split(' ').nth(1)?.parse().ok()
}

/// Approves `apps` from `CLIENTS` clients at once; the ids the server answered 200 arrive on
/// the receiver as they come. A client stops when the server is gone.
fn approve_all(
    base: &str,
    token: &str,
    apps: &[(i64, i64)],
) -> (mpsc::Receiver<i64>, Vec<std::thread::JoinHandle<()>>) {
    let queue = Arc::new(Mutex::new(apps.to_vec()));
    let (answered, receiver) = mpsc::channel();
    let clients = (0..CLIENTS)
        .map(|_| {
            let (queue, answered) = (Arc::clone(&queue), answered.clone());
            let (base, token) = (base.to_owned(), token.to_owned());
            std::thread::spawn(move || {
                loop {
                    let Some((id, version)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    match approve(&base, &token, id, version) {
                        Some(200) => {
                            let _ = answered.send(id);
                        }
                        Some(_) => {}
                        None => return,
                    }
                }
            })
        })
        .collect();
    (receiver, clients)
}

/// Checks that every approval answered is there and nothing is there twice; returns how many
/// applications are approved.
async fn check(url: &DatabaseUrl, answered: &[i64], apps: &[(i64, i64)]) -> usize {
    let store = Store::open(url).await.unwrap();
    let operator = store.operator("kill").await.unwrap();
    let tanaka = store
        .authenticate("tanaka", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    let notices = store.notifications(&tanaka, false, 1, 500).await.unwrap();
    let mut approved = 0;
    for &(id, _) in apps {
        let app = store.application(&operator, id).await.unwrap();
        let is_approved = app.status == Status::Approved;
        assert!(
            is_approved || !answered.contains(&id),
            "application {id} was answered as approved and is not"
        );
        let once = usize::from(is_approved);
        approved += once;
        let events = store.application_events(&operator, id).await.unwrap();
        let approvals = events.iter().filter(|e| e.action == "approve").count();
        assert_eq!(approvals, once, "approvals in the history of {id}");
        let entry = store.ledger_entry_of_application(&operator, id).await;
        assert_eq!(
            entry.unwrap().is_some(),
            is_approved,
            "ledger entry of {id}"
        );
        let link = format!("/applications/{id}");
        let told = notices
            .items
            .iter()
            .filter(|n| n.kind == NoticeKind::Approved && n.link == link)
            .count();
        assert_eq!(told, once, "notifications of the approval of {id}");
    }
    let ledger = store
        .ledger(&operator, &LedgerQuery::default())
        .await
        .unwrap();
    assert_eq!(usize::try_from(ledger.total).unwrap(), approved);
    let chains = store.verify_audit(None).await.unwrap();
    assert!(chains.iter().all(|c| c.result.is_ok()), "{chains:?}");
    store.close().await.unwrap();
    approved
}

fn run(dir: &std::path::Path, url: &DatabaseUrl) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (apps, token) = rt.block_on(municipality(url));
    let env = [("SENTEI_DATABASE_URL", url.expose())];

    // Killed in the middle of the batch.
    let (mut server, base) = start_server(dir, &[], &env);
    let (receiver, clients) = approve_all(&base, &token, &apps);
    let mut answered: Vec<i64> = receiver.iter().take(KILL_AFTER).collect();
    // Child::kill sends SIGKILL on Unix: no chance to finish a transaction or clean up.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    answered.extend(receiver.try_iter());
    let approved = rt.block_on(check(url, &answered, &apps));
    assert!(approved >= answered.len());
    assert!(approved < APPLICATIONS, "killed before the batch ended");

    // The clients retry everything: what was approved is refused, the rest approved, once.
    let (server, base) = start_server(dir, &[], &env);
    let (receiver, clients) = approve_all(&base, &token, &apps);
    for client in clients {
        client.join().unwrap();
    }
    let retried: Vec<i64> = receiver.try_iter().collect();
    assert_eq!(retried.len(), APPLICATIONS - approved, "{retried:?}");
    assert_eq!(rt.block_on(check(url, &answered, &apps)), APPLICATIONS);
    drop(server);

    if available() {
        mails_once_each(dir, &env);
    }
}

/// `sentei notify` killed while the relay holds its third mail without answering: across two
/// relays every approval's mail arrives once, and the third is reported, not sent again.
fn mails_once_each(dir: &std::path::Path, env: &[(&str, &str)]) {
    let notify = |config: &std::path::Path| {
        let mut sender = command(dir, env);
        sender.arg("--config").arg(config).arg("notify");
        sender
    };
    let stalling = Relay::start(
        &dir.join("stalling"),
        &["--stall", "data", "--stall-at", "3"],
    );
    let config = configure(dir, stalling.port, "");
    let mut sender = notify(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&stalling.dir.join("stalled"));
    sender.kill().unwrap();
    sender.wait().unwrap();
    assert_eq!(stalling.messages().len(), 3);

    let relay = Relay::start(&dir.join("relay"), &[]);
    let config = configure(dir, relay.port, "");
    let output = notify(&config).output().unwrap();
    let (out, err) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{out}\n{err}");
    assert!(
        out.contains(&format!("メールを {} 通送りました。", APPLICATIONS - 3)),
        "{out}"
    );
    assert!(err.contains("届いたか確かめられないメールが 1 通"), "{err}");
    let mut subjects: Vec<String> = stalling
        .messages()
        .iter()
        .chain(relay.messages().iter())
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect();
    subjects.sort();
    let before = subjects.len();
    subjects.dedup();
    assert_eq!(subjects.len(), before, "a mail arrived twice");
    assert_eq!(subjects.len(), APPLICATIONS, "{subjects:?}");
    for n in 1..=APPLICATIONS {
        let service = format!("「クラウドサービス {n}」");
        assert!(
            subjects.iter().any(|s| s.contains(&service)),
            "no mail for {service}"
        );
    }
}

#[test]
fn sigkill_during_a_batch_of_approvals_on_sqlite_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite(&dir.path().join("sentei.db"));
    run(dir.path(), &url);
}

#[test]
fn sigkill_during_a_batch_of_approvals_on_postgres_loses_and_doubles_nothing() {
    on_postgres("sentei_kill_approvals", |url| {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), url);
    });
}
