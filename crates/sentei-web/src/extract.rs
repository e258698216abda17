//! Request bodies read as forms and JSON, with refusals in the application's own words: a page
//! shows the Japanese error page, the API answers `{"error": ...}` as its description says,
//! never axum's plain-text rejection.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::{Form, Json};

use crate::error::{ApiError, AppError, PageError};

/// A URL-encoded form of a page.
pub struct PageForm<T>(pub T);

/// A JSON body of an API call.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    Form<T>: FromRequest<S, Rejection = FormRejection>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(PageError(refusal(
                rejection.status(),
                "入力内容を読み取れませんでした。ページを読み込み直して、もう一度お試しください",
                &rejection.body_text(),
            ))),
        }
    }
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(refusal(
                rejection.status(),
                "JSON の内容が正しくありません",
                &rejection.body_text(),
            ))),
        }
    }
}

/// The error for a body that could not be read; `detail` (serde's account of what was wrong,
/// such as a missing field and where) helps whoever wrote the request.
fn refusal(status: StatusCode, problem: &str, detail: &str) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(format!(
            "送信された内容が大きすぎます（上限 {} MiB）",
            crate::MAX_BODY_BYTES / (1024 * 1024)
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
            "Content-Type が違います（JSON は application/json、フォームは application/x-www-form-urlencoded）"
                .to_owned(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Refused(format!("{problem}: {detail}")),
        _ => AppError::BadRequest(format!("{problem}: {detail}")),
    }
}
