//! Evidence files of an assessment through the API: list, attach (the file as the request
//! body), download, remove. The same store calls as the editor's.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sentei_store::AttachmentView;

use super::types::*;
use super::{file_body, time_text};
use crate::auth::Signed;
use crate::error::ApiError;
use crate::pages::evidence::download;
use crate::state::AppState;

pub fn attachment_body(a: AttachmentView) -> AttachmentBody {
    AttachmentBody {
        kind_label: a.kind_label().to_owned(),
        id: a.link_id,
        assessment_id: a.assessment_id,
        item: a.item_id,
        file_name: a.file_name,
        media_type: a.media_type,
        size: a.size,
        sha256: a.sha256,
        added_by: a.added_by,
        added_at: time_text(a.added_at),
        removed_at: a.removed_at.map(time_text),
    }
}

/// The evidence files attached to an assessment now.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/attachments", tag = "evidence",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AttachmentBody>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AttachmentBody>>, ApiError> {
    let attached = state.store.attachments(&signed.actor, id).await?;
    Ok(Json(attached.into_iter().map(attachment_body).collect()))
}

/// Attaches a file, sent as the request body (at most 10 MB), to an item of the assessment
/// or to the assessment as a whole. Its type is told from its content: PDF, PNG, JPEG, GIF,
/// WebP, .xlsx or .docx without macros; anything else is refused (422) and nothing is kept.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/attachments", tag = "evidence",
    params(("id" = i64, Path), AttachParams),
    request_body(content = Vec<u8>, description = "the file itself", content_type = "application/octet-stream"),
    responses(
        (status = 201, body = AttachmentBody),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "not an accepted kind of file, or not an item of the assessment", body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(params): Query<AttachParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = file_body(body, "証跡ファイル", sentei_store::MAX_ATTACHMENT_BYTES)?;
    let attached = state
        .store
        .attach(
            &signed.actor,
            &state.catalog,
            id,
            params.item.as_deref().unwrap_or(""),
            params.file_name.as_deref().unwrap_or(""),
            &bytes,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(attachment_body(attached))).into_response())
}

/// The file itself, as a download (`Content-Disposition: attachment`, never sniffed).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/attachments/{attachment}", tag = "evidence",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let file = state
        .store
        .attachment_file(&signed.actor, id, attachment)
        .await?;
    Ok(download(file, attachment))
}

/// Removes a file from the assessment; records made before (an application's A4 record) still
/// list it.
#[utoipa::path(delete, path = "/api/v1/assessments/{id}/attachments/{attachment}", tag = "evidence",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, body = AttachmentBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Json<AttachmentBody>, ApiError> {
    let removed = state
        .store
        .remove_attachment(&signed.actor, id, attachment)
        .await?;
    Ok(Json(attachment_body(removed)))
}
