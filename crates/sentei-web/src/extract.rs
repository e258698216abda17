//! Request bodies read as forms and JSON, with refusals in the application's own words: a page
//! shows the Japanese error page, the API answers `{"error": ...}` as its description says,
//! never axum's plain-text rejection.
//!
//! Every field of a page's form is bounded here, before any handler stores or shows it
//! (issue 12, finding 3): no field longer than the longest text sentei keeps, and not more
//! fields than the largest form has.

use axum::body::{Body, Bytes};
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
    T: serde::de::DeserializeOwned,
    Form<T>: FromRequest<S, Rejection = FormRejection>,
    S: Send + Sync,
{
    type Rejection = FormRefusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        // Read with the route's body limit, as the form extractor would.
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| {
                FormRefusal::Page(PageError(refusal(
                    rejection.status(),
                    "入力内容を読み取れませんでした",
                    "",
                )))
            })?;
        bounded_fields(&bytes).map_err(|e| FormRefusal::Page(PageError(e)))?;
        let form_type = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            let request = Request::from_parts(parts, Body::from(bytes));
            // Form gives the right refusal (415) for anything that is not a form.
            return match Form::<T>::from_request(request, state).await {
                Ok(Form(value)) => Ok(PageForm(value)),
                Err(rejection) => Err(FormRefusal::Page(PageError(refusal(
                    rejection.status(),
                    "入力内容を読み取れませんでした",
                    "",
                )))),
            };
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) => Ok(PageForm(value)),
            Err(error) => Err(FormRefusal::Fields(Box::new(
                crate::form_refusal::Refused::new(
                    &parts,
                    &bytes,
                    &error.path().to_string(),
                    &error.inner().to_string(),
                ),
            ))),
        }
    }
}

/// Why a page's form was not read: too large or not a form (an error page), or a field
/// missing or malformed (the form again, as typed, with the field named in Japanese).
#[derive(Debug)]
pub enum FormRefusal {
    Page(PageError),
    Fields(Box<crate::form_refusal::Refused>),
}

impl axum::response::IntoResponse for FormRefusal {
    fn into_response(self) -> axum::response::Response {
        match self {
            FormRefusal::Page(error) => error.into_response(),
            FormRefusal::Fields(refused) => refused.into_response(),
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

/// The most characters a form field may have: the longest text sentei keeps (a reason or a
/// piece of evidence).
pub const MAX_FIELD_CHARS: usize = sentei_core::input::MAX_TEXT_CHARS;
/// The most fields a form may have (the largest editor has a few hundred).
pub const MAX_FIELDS: usize = 5_000;

/// Refuses a URL-encoded form with a field longer than [`MAX_FIELD_CHARS`] or more than
/// [`MAX_FIELDS`] fields, before anything reads its values.
pub fn bounded_fields(body: &[u8]) -> Result<(), AppError> {
    let body = String::from_utf8_lossy(body);
    let mut fields = 0;
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        fields += 1;
        let value = pair.split_once('=').map_or("", |(_, v)| v);
        // A character takes at most 9 bytes encoded (%XX%XX%XX), at least 1.
        if value.len() > MAX_FIELD_CHARS
            && crate::auth::form_value(&format!("v={value}"), "v")
                .is_some_and(|v| v.chars().count() > MAX_FIELD_CHARS)
        {
            return Err(AppError::TooLarge(format!(
                "入力欄の文字数が多すぎます（1 つの欄は {MAX_FIELD_CHARS} 文字まで）"
            )));
        }
    }
    if fields > MAX_FIELDS {
        return Err(AppError::TooLarge(format!(
            "入力欄が多すぎます（{MAX_FIELDS} 個まで）"
        )));
    }
    Ok(())
}

/// The error for a body that could not be read; `detail` (serde's account of what was wrong,
/// such as a missing field and where) helps whoever wrote the request.
fn refusal(status: StatusCode, problem: &str, detail: &str) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::TooLarge("送信された内容が大きすぎます".to_owned())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
            "Content-Type が違います（JSON は application/json、フォームは application/x-www-form-urlencoded）"
                .to_owned(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Refused(format!("{problem}: {detail}")),
        _ => AppError::BadRequest(format!("{problem}: {detail}")),
    }
}
