//! A fresh database per test, on SQLite always and on PostgreSQL when
//! `SENTEI_TEST_DATABASE_URL` is set (`.ci/run` sets it), with a municipality and a user for
//! every role.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};

use sea_orm::ConnectionTrait;
use sentei_core::assessment::Catalog;
use sentei_core::builtin_profiles;
use sentei_core::workflow::UserRole;
use sentei_store::{Actor, DatabaseUrl, NewUser, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(builtin_profiles().unwrap()));

/// Everything a test needs: the store, its URL, and one actor per role.
pub struct Fixture {
    pub store: Store,
    pub url: DatabaseUrl,
    pub kind: Kind,
    pub applicant: Actor,
    pub applicant2: Actor,
    pub approver: Actor,
    pub approver2: Actor,
    pub ciso: Actor,
    pub auditor: Actor,
    pub admin: Actor,
    pub operator: Actor,
    /// Set by a test that changes the database behind the store's back on purpose.
    pub tampered: std::sync::atomic::AtomicBool,
    database: Database,
}

pub const PASSWORD: &str = "correct horse battery staple";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `test` on a fresh database of `kind`; a PostgreSQL run without a server configured is
/// reported and skipped (CI always configures one).
pub async fn run<F, Fut>(kind: Kind, test: F)
where
    F: FnOnce(Arc<Fixture>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(fixture) = Fixture::new(kind).await else {
        eprintln!("PostgreSQL: skipped, SENTEI_TEST_DATABASE_URL is not set");
        return;
    };
    let fixture = Arc::new(fixture);
    // Run the test as a task so that a failing test still drops its database.
    let outcome = tokio::spawn(test(fixture.clone())).await;
    // Whatever a test did through the store, the chain still verifies and every row is as the
    // chain last recorded it: a write that changes a row without recording its state would be
    // reported as tampering by `sentei audit verify` (issue 12, finding 15).
    let drift = match (&outcome, fixture.tampered.load(Ordering::SeqCst)) {
        (Ok(()), false) => fixture
            .store
            .verify_audit(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|v| !v.holds())
            .map(|v| format!("{}: {:?} {:?}", v.org_code, v.result, v.rows))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    if let Ok(fixture) = Arc::try_unwrap(fixture) {
        fixture.finish().await;
    }
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
    assert!(
        drift.is_empty(),
        "the audit chain disagrees with the rows: {drift:#?}"
    );
}

/// A fresh database with no schema yet: an SQLite file in a temporary directory, or a
/// PostgreSQL database made for the test and dropped by [`Database::drop`].
pub struct Database {
    pub url: DatabaseUrl,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Database {
    /// `None` for PostgreSQL when no server is configured.
    pub async fn new(kind: Kind) -> Option<Database> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = match kind {
            Kind::Sqlite => (DatabaseUrl::sqlite(&dir.path().join("sentei.db")), None),
            Kind::Postgres => {
                let admin = std::env::var("SENTEI_TEST_DATABASE_URL").ok()?;
                let name = format!(
                    "sentei_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000
                );
                let server = sea_orm::Database::connect(&admin).await.unwrap();
                server
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                server.close().await.unwrap();
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(base, _)| base);
                (
                    DatabaseUrl::parse(&format!("{base}/{name}")).unwrap(),
                    Some((admin, name)),
                )
            }
        };
        Some(Database { url, dir, pg })
    }

    pub async fn drop(self) {
        if let Some((admin, name)) = self.pg {
            let server = sea_orm::Database::connect(&admin).await.unwrap();
            let _ = server
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = server.close().await;
        }
        drop(self.dir);
    }
}

impl Fixture {
    async fn new(kind: Kind) -> Option<Fixture> {
        let database = Database::new(kind).await?;
        let url = database.url.clone();
        let store = Store::open(&url).await.unwrap();
        store.create_organization("shunan", "周南市").await.unwrap();
        let operator = store.operator("shunan").await.unwrap();
        let add = async |login: &str, name: &str, role: UserRole| {
            store
                .add_user(
                    &operator,
                    NewUser {
                        login: login.to_owned(),
                        display_name: name.to_owned(),
                        department: "情報政策課".to_owned(),
                        role,
                        password: PASSWORD.to_owned(),
                        email: String::new(),
                    },
                )
                .await
                .unwrap();
            store.authenticate(login, PASSWORD).await.unwrap().unwrap()
        };
        let applicant = add("tanaka", "田中 一郎", UserRole::Applicant).await;
        let applicant2 = add("takahashi", "高橋 花子", UserRole::Applicant).await;
        let approver = add("suzuki", "鈴木 次郎", UserRole::Approver).await;
        let approver2 = add("ito", "伊藤 三郎", UserRole::Approver).await;
        let ciso = add("sato", "佐藤 四郎", UserRole::Ciso).await;
        let auditor = add("watanabe", "渡辺 五郎", UserRole::Auditor).await;
        let admin = add("yamamoto", "山本 六郎", UserRole::Admin).await;
        Some(Fixture {
            store,
            url,
            kind,
            applicant,
            applicant2,
            approver,
            approver2,
            ciso,
            auditor,
            admin,
            operator,
            tampered: Default::default(),
            database,
        })
    }

    /// Says that this test changes the database behind the store's back, so the chain is not
    /// expected to agree with the rows at the end.
    pub fn tampering(&self) {
        self.tampered.store(true, Ordering::SeqCst);
    }

    async fn finish(self) {
        self.store.close().await.unwrap();
        self.database.drop().await;
    }
}

/// Defines a test run once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident, |$f:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::harness::{Fixture, Kind, run};
            use std::sync::Arc;

            async fn body($f: Arc<Fixture>) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Kind::Sqlite, body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Kind::Postgres, body).await;
            }
        }
    };
}
