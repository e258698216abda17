//! Evidence files (証跡) from the editor and the vendor's page: attach (a multipart form, its
//! CSRF token in the action's query), download, remove. What a file is, and who may attach
//! it, the store decides; a refusal shows the page again with the problem and the item chosen.

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentei_store::{AttachmentFile, StoreError, VendorAccess};

use crate::auth::{Signed, vendor_token};
use crate::error::{AppError, PageError};
use crate::state::AppState;

/// Largest multipart body of an upload: the largest file and the form around it.
pub const MAX_UPLOAD_BYTES: usize = sentei_store::MAX_ATTACHMENT_BYTES + super::FORM_MARGIN;

/// An upload form: the item chosen and the file.
pub(crate) struct Upload {
    pub item: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

/// Reads the `item` and `file` fields of an upload form.
pub(crate) async fn upload_fields(multipart: &mut Multipart) -> Result<Upload, AppError> {
    let unreadable = super::unreadable_upload("証跡ファイル", sentei_store::MAX_ATTACHMENT_BYTES);
    let mut upload = Upload {
        item: String::new(),
        file_name: String::new(),
        content: Vec::new(),
    };
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        match part.name() {
            Some("item") => upload.item = part.text().await.map_err(unreadable)?,
            Some("file") => {
                upload.file_name = part.file_name().unwrap_or("添付ファイル").to_owned();
                upload.content = part.bytes().await.map_err(unreadable)?.to_vec();
                if upload.content.len() > sentei_store::MAX_ATTACHMENT_BYTES {
                    return Err(AppError::too_large(
                        "証跡ファイル",
                        sentei_store::MAX_ATTACHMENT_BYTES,
                    ));
                }
            }
            _ => {}
        }
    }
    if upload.file_name.is_empty() && upload.content.is_empty() {
        return Err(AppError::BadRequest(
            "添付するファイルを選んでください".to_owned(),
        ));
    }
    Ok(upload)
}

/// A file as a download: never shown in the browser, never sniffed, named as it was given
/// (RFC 6266, with the UTF-8 name by RFC 5987 and a plain ASCII fallback).
pub fn download(file: AttachmentFile, id: i64) -> Response {
    let mut response = file.content.into_response();
    let headers = response.headers_mut();
    let media_type = HeaderValue::from_str(&file.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    let extension = file
        .file_name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    let disposition = format!(
        "attachment; filename=\"evidence-{id}.{extension}\"; filename*=UTF-8''{}",
        percent_encode(&file.file_name)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// RFC 5987 `attr-char`s as they are, everything else percent-encoded as UTF-8.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'!'
            | b'#'
            | b'$'
            | b'&'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Attaches a file from the editor; a refusal shows the editor with the problem.
pub async fn attach(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let upload = upload_fields(&mut multipart).await?;
    let attached = state
        .store
        .attach(
            &signed.actor,
            &state.catalog,
            id,
            &upload.item,
            &upload.file_name,
            &upload.content,
        )
        .await;
    match attached {
        Ok(_) => {
            Ok(Redirect::to(&format!("/assessments/{id}?done=attached#evidence")).into_response())
        }
        Err(StoreError::Rejected(message)) => {
            let page =
                super::assessments::with_attach_problem(&state, &signed, id, &upload.item, message)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other.into())),
    }
}

/// A file of an assessment, as a download.
pub async fn fetch(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let file = state
        .store
        .attachment_file(&signed.actor, id, attachment)
        .await?;
    Ok(download(file, attachment))
}

/// Removes a file from an assessment (it stays in the records made before).
pub async fn remove(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .store
        .remove_attachment(&signed.actor, id, attachment)
        .await?;
    Ok(Redirect::to(&format!("/assessments/{id}?done=detached#evidence")).into_response())
}

/// Attaches a file through a vendor's link; a refusal shows the vendor's page with it.
pub async fn vendor_attach(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let token = vendor_token(uri.path()).to_owned();
    let upload = upload_fields(&mut multipart).await?;
    let attached = state
        .store
        .vendor_attach(
            &access,
            &state.catalog,
            &upload.item,
            &upload.file_name,
            &upload.content,
        )
        .await;
    match attached {
        Ok(_) => {
            Ok(Redirect::to(&format!("/vendor/{token}?done=attached#evidence")).into_response())
        }
        Err(StoreError::Rejected(message)) => {
            let page =
                super::vendor::page(&state, &access, &token, None, Some((upload.item, message)))
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other.into())),
    }
}

/// A file of the link's assessment, as a download.
pub async fn vendor_fetch(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    Path((_token, attachment)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let file = state
        .store
        .vendor_attachment_file(&access, attachment)
        .await?;
    Ok(download(file, attachment))
}

/// A file as the editor, the vendor's page and the A4 record list it.
pub struct EvidenceRow {
    pub id: i64,
    pub item_id: String,
    pub file_name: String,
    pub kind: &'static str,
    pub size: String,
    pub sha256: String,
    pub added_by: String,
    pub added_at: String,
}

impl EvidenceRow {
    /// What it is attached to.
    pub fn target(&self) -> String {
        if self.item_id.is_empty() {
            "評価全体".to_owned()
        } else {
            format!("項目 {}", self.item_id)
        }
    }
}

impl From<sentei_store::AttachmentView> for EvidenceRow {
    fn from(a: sentei_store::AttachmentView) -> EvidenceRow {
        EvidenceRow {
            id: a.link_id,
            kind: a.kind_label(),
            size: sentei_core::evidence::size_label(a.size),
            added_at: crate::layout::time(a.added_at),
            item_id: a.item_id,
            file_name: a.file_name,
            sha256: a.sha256,
            added_by: a.added_by,
        }
    }
}

/// The choices of what to attach to: the assessment as a whole, then `items`, with `chosen`
/// selected.
pub fn targets<'a>(
    items: impl Iterator<Item = &'a str>,
    chosen: &str,
) -> Vec<(String, String, bool)> {
    std::iter::once(("".to_owned(), "評価全体".to_owned(), chosen.is_empty()))
        .chain(items.map(|id| (id.to_owned(), format!("項目 {id}"), id == chosen)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn japanese_names_are_encoded_as_rfc_5987_says() {
        assert_eq!(percent_encode("SLA 2026.pdf"), "SLA%202026.pdf");
        assert_eq!(percent_encode("証跡.pdf"), "%E8%A8%BC%E8%B7%A1.pdf");
        assert_eq!(percent_encode("a\"b;c\\d"), "a%22b%3Bc%5Cd");
    }
}
