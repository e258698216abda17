//! Stylesheets and scripts, compiled into the binary and served with content-hashed URLs.
//!
//! Nothing is fetched from anywhere at run time: closed networks (LGWAN) have no internet. A URL
//! carries the file's hash (`/static/style.css?v=…`), so browsers may cache it forever and see a
//! new file as soon as a release changes it.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

/// The URL of an asset, with its content hash.
pub fn url(path: &str) -> String {
    let hash = Assets::get(path)
        .map(|f| f.metadata.sha256_hash())
        .unwrap_or_default();
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/static/{path}?v={short}")
}

/// Serves an asset.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
