//! sentei-web: the web application — Japanese pages and a JSON API over the same core rules
//! and store.
//!
//! One router ([`app`]) serves both; every route is registered with the access it requires
//! (`routes.rs`) and passes through one gate (`auth.rs`). Everything the pages need (templates,
//! CSS, htmx) is compiled in: nothing is fetched from anywhere at run time.

mod api;
mod assets;
mod auth;
mod chart;
mod client;
mod error;
mod extract;
mod form_refusal;
mod guard;
mod headers;
mod layout;
mod pages;
pub mod routes;
mod server;
mod state;
mod uploads;
mod words;

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub use auth::{Access, Surface, vendor_csrf};
pub use client::TrustedProxy;
pub use headers::CONTENT_SECURITY_POLICY;
pub use server::{ServerLimits, serve_with_limits};
pub use state::{AppState, DEFAULT_APPROVAL_BOXES, WebConfig};
pub use uploads::DEFAULT_READERS;

/// Largest request body accepted (forms, JSON documents).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The whole application, ready to serve or to test with `oneshot`.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::build(state.clone());
    let mut router = router
        .fallback(guard::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    // Reached over https (the public URL says so): browsers are told to use nothing else for
    // a year, for this host and the hosts under its name (ASVS 5.0 3.4.1 at level 2). That is
    // `*.sentei.example.lg.jp`, never the municipality's other hosts, as long as sentei has a
    // host name of its own (README, 庁内のサーバーで動かす).
    if state.config.secure_cookies {
        router = router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ));
    }
    guarded(router.with_state(state))
}

/// The `Strict-Transport-Security` of a server reached over https.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// What every request passes through around the routes, outermost last: refusals of the
/// framework in Japanese, panics contained, security headers, the log line, the request id.
/// Public so that a test can put them around a handler that panics.
pub fn guarded(router: Router) -> Router {
    router
        .layer(axum::middleware::from_fn(guard::japanese_refusals))
        .layer(axum::middleware::from_fn(guard::contain_panics))
        .layer(axum::middleware::from_fn(headers::add))
        .layer(axum::middleware::from_fn(log))
        .layer(axum::middleware::from_fn(guard::identify))
}

/// One log line per request: its id, method, path (never the query, which may hold a token),
/// status and time taken.
async fn log(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let id = request
        .extensions()
        .get::<guard::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <api::ApiDoc as utoipa::OpenApi>::openapi()
}

/// Serves the application on `listener`, its connections within `limits`, until `shutdown`
/// completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, app(state), limits, shutdown).await
}
