//! One error type for every handler, shown as a Japanese page (in the site's layout) to people
//! and as a problem document (RFC 9457, `application/problem+json`) to API clients. Details of
//! internal failures go to the log, with the request id the response shows, never to the
//! response.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sentei_core::workflow::Refusal;
use sentei_store::StoreError;

use crate::auth::Signed;
use crate::layout::Layout;

#[derive(Debug)]
pub enum AppError {
    /// 400: the request itself is malformed.
    BadRequest(String),
    /// 401: not signed in (API).
    Unauthorized,
    /// 403: signed in, not allowed.
    Forbidden(String),
    /// 404
    NotFound(String),
    /// 409: someone else changed it first.
    Conflict(String),
    /// 413: the body is larger than the server reads.
    TooLarge(String),
    /// 422: a rule refused it; the message says which.
    Refused(String),
    /// 500: logged, not shown.
    Internal(String),
}

impl AppError {
    /// 413 for an uploaded file larger than its route reads, naming the limit; pages and the
    /// API give the same message (issue 12, finding 16).
    pub fn too_large(what: &str, max: usize) -> AppError {
        AppError::TooLarge(format!("{what}が大きすぎます（上限は {} です）", size(max)))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to whoever asked.
    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooLarge(m)
            | AppError::Refused(m) => m.clone(),
            AppError::Unauthorized => "ログインが必要です".to_owned(),
            AppError::Internal(_) => {
                "処理中に問題が起きました。時間をおいてもう一度お試しください".to_owned()
            }
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(
                request_id = crate::guard::request_id().unwrap_or_default(),
                detail = %detail,
                "internal error"
            );
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Denied(m) => AppError::Forbidden(m),
            StoreError::Conflict { message, .. } => AppError::Conflict(message),
            // Who may write at all is a question of permission, not of the record's state.
            StoreError::Refused(
                r @ (Refusal::CannotEdit { .. }
                | Refusal::OtherDepartment { .. }
                | Refusal::CannotDelete { .. }
                | Refusal::DeleteOtherDepartment { .. }),
            ) => AppError::Forbidden(r.to_string()),
            StoreError::Refused(r) => AppError::Refused(r.to_string()),
            StoreError::Ledger(r) => AppError::Refused(r.to_string()),
            StoreError::Invalid(e) => AppError::Refused(e.to_string()),
            StoreError::Rejected(m) => AppError::Refused(m),
            StoreError::Schema(m) => AppError::Internal(m),
            StoreError::Database(e) => AppError::Internal(e.to_string()),
        }
    }
}

/// A limit in bytes as people read it: whole megabytes, else kilobytes.
pub fn size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes / 1024)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
    request_id: Option<String>,
}

/// The heading of an error page: what kind of refusal, in a word.
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "入力が正しくありません",
        401 => "ログインが必要です",
        403 => "権限がありません",
        404 => "見つかりません",
        405 => "この操作はできません",
        409 => "ほかの人が変更しました",
        413 => "大きすぎます",
        415 => "形式が違います",
        422 => "処理できませんでした",
        429 => "しばらくお待ちください",
        _ => "エラーが起きました",
    }
}

tokio::task_local! {
    /// The signed-in user of the page being handled, for the error pages it may end in.
    static SIGNED: Signed;
}

/// Runs a page's handler knowing its signed-in user, so that an error page it ends in shows
/// the same header and menu as every other page; the response carries the user too, for the
/// refusals written after the handler (`guard::japanese_refusals`).
pub async fn with_signed<F>(signed: Option<Signed>, handler: F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let Some(signed) = signed else {
        return handler.await;
    };
    let mut response = SIGNED.scope(signed.clone(), handler).await;
    response.extensions_mut().insert(signed);
    response
}

/// A Japanese error page in the site's layout, with the signed-in user's header and menu when
/// there is one; the request id, when known, lets whoever reads it and whoever reads the log
/// find each other.
pub fn page_response(status: StatusCode, message: String) -> Response {
    match SIGNED.try_with(Clone::clone) {
        Ok(signed) => page_response_for(status, message, Some(&signed)),
        Err(_) => page_response_for(status, message, None),
    }
}

/// [`page_response`] for a known user (or nobody).
pub fn page_response_for(status: StatusCode, message: String, signed: Option<&Signed>) -> Response {
    let page = ErrorPage {
        layout: Layout::new(title(status), signed, ""),
        message,
        request_id: crate::guard::request_id(),
    };
    let body = page.render().unwrap_or_else(|_| page.message.clone());
    (status, Html(body)).into_response()
}

/// An RFC 9457 problem document: `title` and `detail` in Japanese, the `status`, the request
/// id, and `error` (the detail again) for clients written before problem documents.
pub fn problem_response(status: StatusCode, message: String) -> Response {
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": title(status),
        "status": status.as_u16(),
        "detail": message,
        "error": message,
    });
    if let Some(id) = crate::guard::request_id() {
        body["request_id"] = serde_json::Value::String(id);
    }
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// An error shown as a page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> PageError {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        page_response(self.0.status(), self.0.message())
    }
}

/// An error shown as a problem document (`application/problem+json`).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> ApiError {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        problem_response(self.0.status(), self.0.message())
    }
}
