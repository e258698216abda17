//! Killing sentei (SIGKILL) in the middle of a burst of writes loses nothing committed and
//! leaves nothing half-written: every service it reported is there in its final state, every
//! application agrees with its history and the ledger, and the audit chain verifies.
//!
//! Runs on SQLite, and on PostgreSQL when `SENTEI_TEST_DATABASE_URL` is set.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use sea_orm::{ConnectionTrait, Database};
use sentei_core::workflow::{Kind, Status};
use sentei_store::{DatabaseUrl, LedgerQuery, Store};

use crate::{command, sentei_with, text};

/// Services the writer is asked for; it is killed long before finishing.
const BURST: &str = "400";
/// Committed services to wait for before killing.
const KILL_AFTER: usize = 25;

struct Committed {
    application: i64,
    status: String,
}

fn burst_and_kill(dir: &std::path::Path, env: &[(&str, &str)]) -> Vec<Committed> {
    let mut child = command(dir, env)
        .args(["demo", "load", "--services", BURST])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = Vec::new();
    while committed.len() < KILL_AFTER {
        let line = lines.next().expect("the writer is still running").unwrap();
        if let Some(rest) = line.strip_prefix("committed ") {
            let field = |name: &str| {
                rest.split(' ')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .unwrap()
                    .to_owned()
            };
            committed.push(Committed {
                application: field("application").parse().unwrap(),
                status: field("status"),
            });
        }
    }
    // Child::kill sends SIGKILL on Unix: no chance to finish a transaction or clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    committed
}

async fn check(url: &DatabaseUrl, committed: &[Committed]) {
    let store = Store::open(url)
        .await
        .expect("the database opens after the kill");
    let actor = store.operator("demo").await.unwrap();
    for c in committed {
        let app = store.application(&actor, c.application).await.unwrap();
        assert_eq!(
            app.status.as_str(),
            c.status,
            "application {}",
            c.application
        );
    }
    let ledger = store
        .ledger(
            &actor,
            &LedgerQuery {
                include_abolished: true,
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let apps = store.applications(&actor, None, 1, 500).await.unwrap();
    assert!(apps.items.len() >= committed.len());
    for app in &apps.items {
        // The status is always the end of the recorded history: no transition half-written.
        let events = store.application_events(&actor, app.id).await.unwrap();
        let recorded = events.last().map_or("draft", |e| e.to_status.as_str());
        assert_eq!(app.status.as_str(), recorded, "application {}", app.id);
        // An approved application has registered, changed or renewed exactly one ledger
        // entry, and only an approved one has.
        let entry = store
            .ledger_entry_of_application(&actor, app.id)
            .await
            .unwrap();
        assert_eq!(
            entry.is_some(),
            app.status == Status::Approved,
            "application {}",
            app.id
        );
        if app.status == Status::Approved && app.kind == Kind::New {
            let entries = ledger
                .items
                .iter()
                .filter(|e| e.id == entry.unwrap_or(0))
                .count();
            assert_eq!(entries, 1, "application {}", app.id);
        }
    }
    let chains = store.verify_audit(None).await.unwrap();
    assert!(chains.iter().all(|c| c.result.is_ok()), "{chains:?}");
    store.close().await.unwrap();
}

fn run(dir: &std::path::Path, url: &DatabaseUrl) {
    let env = [("SENTEI_DATABASE_URL", url.expose())];
    let committed = burst_and_kill(dir, &env);
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(check(url, &committed));
    // The database is not only consistent but usable: writing goes on where it stopped.
    let resumed = sentei_with(dir, &["demo", "load", "--services", "2"], None, &env);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let verified = sentei_with(dir, &["audit", "verify"], None, &env);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}

#[test]
fn sigkill_during_writes_on_sqlite_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite(&dir.path().join("sentei.db"));
    run(dir.path(), &url);
}

#[test]
fn sigkill_during_writes_on_postgres_loses_nothing_committed() {
    on_postgres("sentei_kill", |url| {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), url);
    });
}

/// Runs `test` on a fresh PostgreSQL database named after `prefix`, dropped afterwards,
/// when `SENTEI_TEST_DATABASE_URL` names a server; says so and passes when it does not.
pub(crate) fn on_postgres(prefix: &str, test: impl FnOnce(&DatabaseUrl)) {
    let Ok(admin) = std::env::var("SENTEI_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL: skipped, SENTEI_TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("{prefix}_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let exec = |sql: String| {
        rt.block_on(async {
            let db = Database::connect(&admin).await.unwrap();
            db.execute_unprepared(&sql).await.unwrap();
            db.close().await.unwrap();
        })
    };
    exec(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    exec(format!("CREATE DATABASE {name}"));
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    let url = DatabaseUrl::parse(&format!("{base}/{name}")).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(&url)));
    exec(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure);
    }
}
