//! Who a session or API token belongs to, remembered for a few seconds.
//!
//! Every request is signed in, and looking its session or token and then its user up in the
//! database each time made authentication cost more than the work of most requests (two
//! queries; see `bench/load.sh`). An entry lives [`TTL`]; every change to users, sessions or
//! tokens made through this store empties the whole cache at once, so within one server a
//! sign-out, revocation, role or password change takes effect on the next request. Another
//! server sharing the same PostgreSQL database sees such a change within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
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
}

impl AuthCache {
    pub(crate) fn get(&self, key: &str) -> Option<Signed> {
        let entries = self.entries.lock().ok()?;
        let (at, signed) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| signed.clone())
    }

    pub(crate) fn put(&self, key: String, signed: Signed) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), signed));
    }

    /// Forgets everything: after any change to who may sign in as whom.
    pub(crate) fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}
