//! What every request passes through around the routes: an id for the request (in the log
//! line, the `X-Request-Id` header and every error shown), panics contained as a Japanese 500
//! answer instead of a dropped connection, and the framework's own plain-text refusals (a path
//! or query value that does not parse, an unknown route, a wrong method) replaced by the
//! Japanese page or problem document every other refusal has (issue 12, findings 8 and 16).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{page_response, problem_response};

/// A request's id, as the extension and task-local the handlers' errors read it from.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, if any.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A new id: a random prefix per process (so two servers' ids differ) and a counter.
fn next_id() -> String {
    static PREFIX: LazyLock<String> = LazyLock::new(|| {
        sentei_store::random_hex()
            .map(|hex| hex.chars().take(8).collect())
            .unwrap_or_else(|_| format!("{:08x}", std::process::id()))
    });
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{:08x}",
        *PREFIX,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Gives the request its id and the response its `X-Request-Id`.
pub async fn identify(mut request: Request, next: Next) -> Response {
    let id = next_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Runs the rest of the request as its own task, so that a panic anywhere in it ends that task
/// only and is answered with a 500 in Japanese; the task also carries the request id for the
/// errors it shows.
pub async fn contain_panics(request: Request, next: Next) -> Response {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(next_id, |r| r.0.clone());
    let api = is_api(request.uri().path());
    let handled = tokio::spawn(REQUEST_ID.scope(id.clone(), next.run(request))).await;
    match handled {
        Ok(response) => response,
        Err(failure) => {
            tracing::error!(
                request_id = %id,
                panicked = failure.is_panic(),
                "a request ended abnormally"
            );
            let message = "処理中に問題が起きました。時間をおいてもう一度お試しください".to_owned();
            REQUEST_ID.sync_scope(id, || {
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                if api {
                    problem_response(status, message)
                } else {
                    page_response(status, message)
                }
            })
        }
    }
}

/// Replaces a refusal the framework wrote in plain English (or with no body at all) by the
/// Japanese one; the original text goes to the log.
pub async fn japanese_refusals(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    tracing::info!(
        request_id = request_id().unwrap_or_default(),
        status = status.as_u16(),
        detail = %String::from_utf8_lossy(&detail),
        "refused by the framework"
    );
    let message = match status.as_u16() {
        400 => "アドレスまたは送信された内容に、読み取れない値があります（数値の欄に数値でないもの、大きすぎる数など）",
        404 => "お探しのページは見つかりません。アドレスを確かめてください",
        405 => "このアドレスでは、この操作はできません",
        413 => "送信された内容が大きすぎます（ファイルは 1 つ 10 MB まで、フォームと JSON は 4 MB までです）",
        415 => "送信された内容の形式（Content-Type）が違います",
        422 => "送信された内容を読み取れませんでした",
        _ => "リクエストを処理できませんでした",
    }
    .to_owned();
    let signed = parts.extensions.get::<crate::auth::Signed>();
    let mut answer = if api {
        problem_response(status, message)
    } else {
        crate::error::page_response_for(status, message, signed)
    };
    // Keep what the framework said beyond the body (Allow for a 405, for instance).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer
                .headers_mut()
                .entry(name)
                .or_insert_with(|| value.clone());
        }
    }
    answer
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The answer for a route nobody serves.
pub async fn not_found(request: Request) -> Response {
    let message = "お探しのページは見つかりません。アドレスを確かめてください".to_owned();
    if is_api(request.uri().path()) {
        problem_response(StatusCode::NOT_FOUND, message)
    } else {
        page_response(StatusCode::NOT_FOUND, message)
    }
}
