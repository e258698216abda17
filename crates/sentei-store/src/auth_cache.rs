//! Who a session or API token belongs to, remembered for a few seconds.
//!
//! Every request is signed in, and looking its session or token and then its user up in the
//! database each time made authentication cost more than the work of most requests (two
//! queries; see `bench/load.sh`). An entry lives [`TTL`]; every change to users, sessions or
//! tokens made through this store empties the whole cache at once, so within one server a
//! sign-out, revocation, role or password change takes effect on the next request. Another
//! server sharing the same PostgreSQL database sees such a change within [`TTL`].
//!
//! A lookup that began before such a change must not put what it read back into the emptied
//! cache: each emptying advances a generation, and an entry read under an older generation is
//! dropped instead of kept. Deactivating a user therefore ends their sessions on this server
//! with the commit, not up to [`TTL`] later. [`AuthCache::clear`] is also where other servers
//! would be told at once (PostgreSQL LISTEN/NOTIFY, a later issue).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::{Actor, Session};

/// How long an entry is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(5);
/// Entries kept at most: enough for every signed-in user of a large municipality.
const CAPACITY: usize = 10_000;

#[derive(Clone, Debug)]
pub(crate) enum Signed {
    Session {
        session: Session,
        expires_at: OffsetDateTime,
    },
    Token {
        actor: Actor,
        expires_at: OffsetDateTime,
    },
}

#[derive(Debug, Default)]
pub(crate) struct AuthCache {
    /// By the token's hash, prefixed with its kind.
    entries: Mutex<HashMap<String, (Instant, Signed)>>,
    /// Advanced by every [`AuthCache::clear`].
    generation: AtomicU64,
}

impl AuthCache {
    pub(crate) fn get(&self, key: &str) -> Option<Signed> {
        let entries = self.entries.lock().ok()?;
        let (at, signed) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| signed.clone())
    }

    /// The generation to pass to [`AuthCache::put`], taken before reading the database.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what was read under `generation`, unless the cache was emptied since.
    pub(crate) fn put(&self, key: String, signed: Signed, generation: u64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that `clear` takes too, so a put cannot slip in after it.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), signed));
    }

    /// Forgets everything: after any change to who may sign in as whom. The seam for telling
    /// other servers as well: a NOTIFY sent from here, and a listener calling this on each.
    pub(crate) fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.clear();
        }
    }
}
