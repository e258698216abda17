//! sentei-store: the system of record, on embedded SQLite or on PostgreSQL, by one code path.
//!
//! Services, assessments, applications, the ledger and the audit trail, with users and their
//! organizations. Every function takes an [`Actor`] — which only this crate can make, from a
//! user row — and asks `sentei_core::access::can` and `sentei_core::workflow` whether it may act;
//! no rule is decided here. Every write happens in one transaction together with its audit
//! record, so the trail and the data never disagree.

mod actor;
mod applications;
mod assessments;
mod attachments;
mod audit;
mod auth_cache;
mod backup;
mod connect;
mod dashboard;
mod deletion;
mod entity;
mod error;
mod heads;
mod ledger;
mod ledger_cache;
mod ledger_changes;
mod ledger_import;
mod notifications;
mod organizations;
mod people;
mod rejudge;
mod review;
mod row_states;
mod schema;
mod services;
mod sessions;
mod sign_in_trail;
mod user_import;
mod users;
mod vendor_links;

pub use actor::Actor;
pub use applications::{ApplicationView, EventView, NewApplication, PinnedView};
pub use assessments::StoredAssessment;
pub use attachments::{
    AttachmentFile, AttachmentView, MAX_ATTACHMENT_BYTES, inspect as inspect_evidence,
};
pub use audit::{
    AuditQuery, AuditView, HeadProblem, MAX_AUDIT_EXPORT, OrgVerification, PublishedCheck,
    RowDrift, RowProblem,
};
pub use auth_cache::TTL as AUTH_CACHE_TTL;
pub use backup::{RestoreReport, ServingLock, restore};
pub use connect::{Backend, DatabaseUrl, default_sqlite_url};
pub use deletion::DeletedService;
pub use error::StoreError;
pub use heads::{HEAD_LOG_TARGET, HeadPublisher, PublishedHeads};
pub use ledger::{LedgerEntryView, LedgerOrder, LedgerQuery, LedgerVersionView};
pub use ledger_cache::TTL as LEDGER_CACHE_TTL;
pub use ledger_import::{ImportSource, KeptPreview, LedgerImportPlan, PREVIEW_LIFETIME};
pub use notifications::{MailJob, MailOutcome, MailSettings, NotificationView, UncertainMail};
pub use organizations::OrganizationView;
pub use people::UserEdit;
pub use rejudge::RejudgeReport;
pub use review::{ChangesSince, Review};
pub use services::{NewService, ServiceQuery, ServiceView};
pub use sessions::{
    MAX_TOKEN_DAYS, NewToken, Reservation, SESSION_IDLE, SESSION_LIFETIME, Session, TokenView,
    random_hex,
};
pub use user_import::{AddedUser, ChangedUser, ImportProblem, UserImportPlan};
pub use users::{
    Ended, MAX_LOGIN_CHARS, MIN_PASSWORD_CHARS, NewUser, UserView, generate_password, valid_login,
};
pub use vendor_links::{MAX_VENDOR_LINK_DAYS, VendorAccess, VendorLinkView};

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use sentei_core::input::{Lines, character_problem};

/// A page of results, with the total count for pagers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;

/// The store: a pool of connections to one database.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    auth: std::sync::Arc<auth_cache::AuthCache>,
    ledger_pages: std::sync::Arc<ledger_cache::LedgerCache>,
    /// Whether ledger pages are kept (see `ledger_cache.rs`); off only to measure the database.
    keep_ledger_pages: bool,
    /// Where the head of each audit chain is published after every write (`heads.rs`).
    heads: Option<std::sync::Arc<HeadPublisher>>,
}

impl Store {
    /// Opens the database at `url`, creating an SQLite file if needed, and brings its schema up
    /// to date. A schema newer than this binary is refused, untouched.
    pub async fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        schema::migrate(&store.db).await?;
        Ok(store)
    }

    /// Opens without migrating; for `sentei db migrate`, which reports what it applies.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let db = connect::connect(url).await?;
        let found = schema::current(&db).await?;
        schema::check_not_newer(found)?;
        Ok(Store {
            db,
            backend: url.backend(),
            auth: Default::default(),
            ledger_pages: Default::default(),
            keep_ledger_pages: true,
            heads: None,
        })
    }

    /// This store publishing the head of each audit chain after every write, and once now for
    /// every organization (so the file names the head as it was when this server started).
    pub async fn publishing_heads(mut self, publisher: HeadPublisher) -> Result<Store, StoreError> {
        let publisher = std::sync::Arc::new(publisher);
        self.heads = Some(publisher.clone());
        for org in self.organizations().await? {
            publisher.publish(&self.db, org.id).await;
        }
        Ok(self)
    }

    /// Where this store publishes the heads of its audit chains, if anywhere.
    pub fn head_publisher(&self) -> Option<&HeadPublisher> {
        self.heads.as_deref()
    }

    /// This store without the kept ledger pages: every listing reads the database. For the
    /// benchmarks of the database itself; a server keeps them.
    pub fn reading_every_ledger_page(mut self) -> Store {
        self.keep_ledger_pages = false;
        self
    }

    /// Applies pending migrations; returns (version, name) of each one applied.
    pub async fn migrate(&self) -> Result<Vec<(i64, &'static str)>, StoreError> {
        schema::migrate(&self.db).await
    }

    /// Applies pending migrations up to schema version `target` only: for testing how a
    /// database of an older version is converted.
    pub async fn migrate_to(&self, target: i64) -> Result<Vec<(i64, &'static str)>, StoreError> {
        schema::migrate_to(&self.db, target).await
    }

    /// The schema version of the database and the newest this binary knows.
    pub async fn schema_versions(&self) -> Result<(i64, i64), StoreError> {
        Ok((schema::current(&self.db).await?, schema::latest()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction for one organization. On SQLite it takes the write lock at
    /// once (BEGIN IMMEDIATE), so a transaction never fails halfway on upgrading a read lock;
    /// on PostgreSQL it locks the organization's row, so writes of one organization — and so
    /// appends to its audit chain — happen one after another.
    async fn begin_write(&self, org_id: i64) -> Result<DatabaseTransaction, StoreError> {
        connect::begin_write(&self.db, self.backend, org_id).await
    }

    /// Commits a write transaction of the organization `org_id`, then publishes the head of
    /// its audit chain (only what is committed is ever published).
    async fn commit(&self, txn: DatabaseTransaction, org_id: i64) -> Result<(), StoreError> {
        txn.commit().await?;
        if let Some(heads) = &self.heads {
            heads.publish(&self.db, org_id).await;
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::from)
    }
}

/// A one-line text field from outside (a name), trimmed: refused when required and blank,
/// when longer than `max` characters, or when it holds a line end or a character no text may
/// (`sentei_core::input::forbidden_character`).
fn text_field(text: &str, what: &str, max: usize, required: bool) -> Result<String, StoreError> {
    checked_field(text, what, max, required, Lines::One)
}

/// A text field from outside that may run over several lines (a purpose, a description).
fn text_block(text: &str, what: &str, max: usize, required: bool) -> Result<String, StoreError> {
    checked_field(text, what, max, required, Lines::Many)
}

/// A text the store is asked to search for or filter by: one line, no character no text may
/// hold (so that a NUL is refused alike on SQLite and PostgreSQL, which cannot take one).
fn query_text(text: &str, what: &str) -> Result<(), StoreError> {
    match character_problem(text, Lines::One) {
        Some(problem) => Err(StoreError::Rejected(format!("{what}: {problem}"))),
        None => Ok(()),
    }
}

fn checked_field(
    text: &str,
    what: &str,
    max: usize,
    required: bool,
    lines: Lines,
) -> Result<String, StoreError> {
    if let Some(problem) = character_problem(text, lines) {
        return Err(StoreError::Rejected(format!("{what}: {problem}")));
    }
    let text = text.trim();
    if required && text.is_empty() {
        return Err(StoreError::Rejected(format!("{what}を書いてください")));
    }
    if text.chars().count() > max {
        return Err(StoreError::Rejected(format!(
            "{what}は {max} 文字以内にしてください"
        )));
    }
    Ok(text.to_owned())
}

/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// The last page a caller may ask for; later ones are this one. With the largest page size it
/// reaches half a billion rows, and its offset always fits the databases' 64-bit integers
/// (`?page=18446744073709551615` once overflowed inside the query builder: issue 12, finding 8).
pub const MAX_PAGE: u64 = 1_000_000;

/// Clamps a requested page to sane bounds; a page size of 0 means the default.
fn page_bounds(page: u64, page_size: u64) -> (u64, u64) {
    let page_size = if page_size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        page_size
    };
    (page.clamp(1, MAX_PAGE), page_size.min(MAX_PAGE_SIZE))
}

/// The current time, truncated to microseconds so it survives every database unchanged.
fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}
