//! What every request handler shares: the store, the profiles, the settings.

use std::sync::Arc;

use sentei_core::assessment::Catalog;
use sentei_store::Store;

/// Settings of the web server.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark cookies Secure: on when the server is reached over https.
    pub secure_cookies: bool,
    /// The origin pages are served from (`https://sentei.example.lg.jp`), checked against the
    /// Origin header of state-changing requests; `None` accepts the request's own Host.
    pub public_origin: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for sign-in throttling);
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<crate::TrustedProxy>,
    /// The longest lifetime, in days, an API token may be given; 0 means
    /// [`sentei_store::MAX_TOKEN_DAYS`].
    pub max_token_days: i64,
    /// The stamp boxes of the printed record's 決裁欄, in order; empty means
    /// [`DEFAULT_APPROVAL_BOXES`].
    pub approval_boxes: Vec<String>,
    /// How many uploaded files are read at once; 0 means [`crate::uploads::DEFAULT_READERS`].
    pub upload_readers: usize,
}

/// The 決裁欄 of the printed record when the configuration names none: who drafts, who
/// examines, who approves.
pub const DEFAULT_APPROVAL_BOXES: [&str; 3] = ["起案", "審査", "承認"];

impl WebConfig {
    /// The stamp boxes of the printed record's 決裁欄.
    pub fn approval_boxes(&self) -> Vec<String> {
        if self.approval_boxes.is_empty() {
            DEFAULT_APPROVAL_BOXES.map(str::to_owned).to_vec()
        } else {
            self.approval_boxes.clone()
        }
    }

    /// The longest lifetime an API token may be given.
    pub fn token_days_limit(&self) -> i64 {
        if self.max_token_days > 0 {
            self.max_token_days
        } else {
            sentei_store::MAX_TOKEN_DAYS
        }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub config: Arc<WebConfig>,
    /// Turns to read an uploaded file (see `uploads.rs`).
    pub(crate) upload_turns: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(store: Store, catalog: Arc<Catalog>, config: WebConfig) -> AppState {
        let readers = match config.upload_readers {
            0 => crate::uploads::DEFAULT_READERS,
            n => n,
        };
        AppState {
            store,
            catalog,
            config: Arc::new(config),
            upload_turns: Arc::new(tokio::sync::Semaphore::new(readers)),
        }
    }
}
