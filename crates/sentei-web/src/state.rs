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
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub config: Arc<WebConfig>,
}
