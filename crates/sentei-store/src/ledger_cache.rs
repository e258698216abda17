//! Pages of the ledger, remembered until the ledger changes.
//!
//! The ledger is the most read list (the ledger page, the dashboard's expiring entries, the
//! JSON API) and changes a few times a day. Reading a page of it from SQLite costs far more
//! than the rest of a request (the driver copies every value of every row; see
//! `bench/load.sh`), so a page once read is kept and served again until any ledger write made
//! through this store (registration on approval, extension, change, abolition) commits: that
//! bumps the generation and every kept page is refused from then on. Writes made elsewhere
//! (another process on the same SQLite file, another server on the same PostgreSQL database)
//! are seen within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::Date;

use crate::Page;
use crate::ledger::{LedgerEntryView, LedgerQuery};

/// How long a page is served without reading it again, when nothing here changed the ledger.
pub const TTL: Duration = Duration::from_secs(2);
/// Pages kept at most (each about 25 KB at 50 entries).
const CAPACITY: usize = 1_000;

/// What identifies a page: the organization and everything of the query.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct PageKey {
    org_id: i64,
    search: String,
    classification: Option<String>,
    include_abolished: bool,
    expiring_within: Option<u16>,
    expired_only: bool,
    department: Option<String>,
    order: Option<crate::ledger::LedgerOrder>,
    descending: bool,
    today: Option<Date>,
    page: u64,
    page_size: u64,
}

impl PageKey {
    pub(crate) fn new(org_id: i64, query: &LedgerQuery, page: u64, page_size: u64) -> PageKey {
        // Taken apart field by field: a field added to the query that the key forgets would
        // serve one query's page for another, so forgetting one does not compile.
        let LedgerQuery {
            search,
            classification,
            include_abolished,
            expiring_within,
            expired_only,
            department,
            order,
            descending,
            today,
            page: _,
            page_size: _,
        } = query;
        PageKey {
            org_id,
            search: search.trim().to_owned(),
            classification: classification.clone(),
            include_abolished: *include_abolished,
            expiring_within: *expiring_within,
            expired_only: *expired_only,
            department: department.clone(),
            order: *order,
            descending: *descending,
            today: *today,
            page,
            page_size,
        }
    }
}

/// A page as read: under which generation, when.
#[derive(Debug)]
struct Kept {
    generation: u64,
    at: Instant,
    page: Page<LedgerEntryView>,
}

#[derive(Debug, Default)]
pub(crate) struct LedgerCache {
    generation: AtomicU64,
    pages: Mutex<HashMap<PageKey, Kept>>,
}

impl LedgerCache {
    /// The generation to read under: take it before reading the database, so a write that
    /// commits meanwhile makes the page read stale rather than current.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self, key: &PageKey, generation: u64) -> Option<Page<LedgerEntryView>> {
        let pages = self.pages.lock().ok()?;
        let kept = pages.get(key)?;
        (kept.generation == generation && kept.at.elapsed() < TTL).then(|| kept.page.clone())
    }

    pub(crate) fn put(&self, key: PageKey, generation: u64, page: Page<LedgerEntryView>) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        if pages.len() >= CAPACITY {
            pages.clear();
        }
        let at = Instant::now();
        pages.insert(
            key,
            Kept {
                generation,
                at,
                page,
            },
        );
    }

    /// After a ledger write has committed.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut pages) = self.pages.lock() {
            pages.clear();
        }
    }
}
