//! Check sheets from the editor: download an assessment as an Excel sheet, upload a filled
//! one, see what it would change, and apply it.
//!
//! Applying is one save of the whole assessment against the version the preview was made
//! from, so it is all or nothing, and a change made by someone else in between is a conflict,
//! never silently overwritten. The upload itself changes nothing.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::{Answer, Assessment, Profile, Verdict, judge};
use sentei_exchange::sheet::{self, Scope, SheetError};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::layout::Layout;
use crate::state::AppState;

/// The media type of an .xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize)]
pub struct SheetQuery {
    /// `1`: every item, the ones that do not apply greyed.
    pub all: Option<String>,
}

/// The check sheet of an assessment, as a download.
pub async fn download(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(query): Query<SheetQuery>,
) -> Result<Response, PageError> {
    let (bytes, service) = workbook(&state, &signed, id, scope(query.all.as_deref())).await?;
    Ok(xlsx_download(bytes, id, &service))
}

/// Which items a sheet carries: `all=1` (or `true`) every item, otherwise the applicable ones.
pub fn scope(all: Option<&str>) -> Scope {
    match all {
        Some("1" | "true") => Scope::All,
        _ => Scope::Applicable,
    }
}

/// The check sheet of an assessment as workbook bytes, with the service's name (for the file
/// name); the page and the API download the same.
pub(crate) async fn workbook(
    state: &AppState,
    signed: &Signed,
    id: i64,
    scope: Scope,
) -> Result<(Vec<u8>, String), AppError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let (profile, assessment) = super::read_stored(state, &stored)?;
    let bytes = sheet::export(profile, &assessment, scope)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((bytes, assessment.service.name))
}

/// A workbook as an attachment named after the service (RFC 6266 `filename*` for Japanese).
pub fn xlsx_download(bytes: Vec<u8>, id: i64, service: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    let name = format!("チェックシート_{service}_評価{id}.xlsx");
    let disposition = format!(
        "attachment; filename=\"sheet-{id}.xlsx\"; filename*=UTF-8''{}",
        percent_encode(&name)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One item whose answer the sheet changes.
pub struct Change {
    pub(crate) id: String,
    /// The answer stored now (None: no answer).
    pub(crate) old: Option<Answer>,
    /// The answer the sheet gives.
    pub(crate) new: Option<Answer>,
}

impl Change {
    /// The answer before, in words.
    pub fn before(&self) -> String {
        describe(self.old.as_ref())
    }

    /// The answer after, in words.
    pub fn after(&self) -> String {
        describe(self.new.as_ref())
    }
}

/// A filled sheet read against the stored assessment: what applying it would change. Nothing
/// is saved.
pub(crate) struct Examined {
    /// The assessment file the sheet makes, to save as it is.
    pub(crate) document: serde_json::Value,
    pub(crate) changes: Vec<Change>,
    /// The sheet carries other facts or service details than those stored now (saving it
    /// would put back those of when it was exported).
    pub(crate) facts_differ: bool,
    pub(crate) verdict_before: Verdict,
    pub(crate) verdict_after: Verdict,
}

/// Reads an uploaded workbook (`file` names it in messages) against the stored assessment
/// `before`: every problem, each named by its cell, or what it would change. The editor's
/// upload and the API's dry run and apply read sheets through this one function, on a
/// blocking thread in turn with other uploads (`uploads.rs`).
pub(crate) async fn examine(
    state: &AppState,
    before: Assessment,
    file: String,
    bytes: impl AsRef<[u8]> + Send + 'static,
) -> Result<Result<Examined, SheetError>, AppError> {
    let catalog = state.catalog.clone();
    crate::uploads::read(state, move || {
        examine_now(&catalog, &before, &file, bytes.as_ref())
    })
    .await
}

fn examine_now(
    catalog: &sentei_core::Catalog,
    before: &Assessment,
    file: &str,
    bytes: &[u8],
) -> Result<Examined, SheetError> {
    let imported = sheet::import(file, bytes, catalog)?;
    let after = imported.assessment;
    if after.profile_id != before.profile_id {
        return Err(SheetError {
            problems: vec![sheet::SheetProblem {
                cell: None,
                message: format!(
                    "このチェックシートは基準 {} のものです。この評価の基準は {} です",
                    after.profile_id, before.profile_id
                ),
            }],
        });
    }
    let Some(profile) = catalog.get(&before.profile_id) else {
        return Err(SheetError {
            problems: vec![sheet::SheetProblem {
                cell: None,
                message: format!("基準 {} が見つかりません", before.profile_id),
            }],
        });
    };
    Ok(Examined {
        document: imported.document,
        changes: changes(profile, before, &after),
        facts_differ: before.facts != after.facts || before.service != after.service,
        verdict_before: judge(profile, before).verdict,
        verdict_after: judge(profile, &after).verdict,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "sheet_preview.html")]
pub struct PreviewPage {
    layout: Layout,
    id: i64,
    version: i64,
    document: String,
    changes: Vec<Change>,
    facts_differ: bool,
    verdict_before: &'static str,
    verdict_after: &'static str,
    verdict_after_code: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "sheet_problems.html")]
pub struct ProblemsPage {
    layout: Layout,
    id: i64,
    file: String,
    problems: Vec<String>,
}

/// A filled sheet uploaded: what it would change, to confirm; nothing is saved yet.
pub async fn upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let (file, bytes) = sheet_field(&mut multipart).await?;
    let (_, before) = super::read_stored(&state, &stored)?;
    let examined = match examine(&state, before, file.clone(), bytes).await? {
        Ok(examined) => examined,
        Err(error) => return Ok(problems_page(&signed, id, file, &error)),
    };
    let page = PreviewPage {
        layout: Layout::new(
            format!("チェックシートの読み込み（評価 {id}）"),
            Some(&signed),
            "/services",
        ),
        id,
        version: stored.version,
        document: examined.document.to_string(),
        changes: examined.changes,
        facts_differ: examined.facts_differ,
        verdict_before: examined.verdict_before.label(),
        verdict_after: examined.verdict_after.label(),
        verdict_after_code: examined.verdict_after.as_str(),
    };
    Ok(page.into_response())
}

fn problems_page(signed: &Signed, id: i64, file: String, error: &SheetError) -> Response {
    let page = ProblemsPage {
        layout: Layout::new(
            "チェックシートを読み込めませんでした",
            Some(signed),
            "/services",
        ),
        id,
        file,
        problems: error.problems.iter().map(ToString::to_string).collect(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The uploaded file of the form's `sheet` field, with its name.
pub(super) async fn sheet_field(multipart: &mut Multipart) -> Result<(String, Vec<u8>), AppError> {
    super::uploaded_file(
        multipart,
        "sheet",
        "チェックシート",
        "Excel のチェックシート（.xlsx）を選んでから送信してください",
        ("チェックシート", sheet::MAX_FILE_BYTES),
    )
    .await
}

/// Each item whose answer differs, with its answer before and after.
pub(super) fn changes(profile: &Profile, before: &Assessment, after: &Assessment) -> Vec<Change> {
    let ids = profile
        .items
        .iter()
        .map(|i| i.id.as_str())
        .chain(after.extra_items.iter().map(|e| e.id.as_str()));
    ids.enumerate()
        .filter_map(|(index, id)| {
            let old = answer_of(before, profile, index);
            let new = answer_of(after, profile, index);
            (old != new).then(|| Change {
                id: id.to_owned(),
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect()
}

fn answer_of<'a>(
    assessment: &'a Assessment,
    profile: &Profile,
    index: usize,
) -> Option<&'a Answer> {
    match index.checked_sub(profile.items.len()) {
        None => assessment.answer(index),
        Some(extra) => assessment
            .extra_items
            .get(extra)
            .and_then(|e| e.answer.as_ref()),
    }
}

fn describe(answer: Option<&Answer>) -> String {
    let Some(answer) = answer else {
        return "（回答なし）".to_owned();
    };
    let mut text = answer.status.label().to_owned();
    if let Some(reason) = &answer.reason {
        text.push_str(&format!("　理由: {reason}"));
    }
    if let Some(evidence) = &answer.evidence {
        text.push_str(&format!("　根拠: {evidence}"));
    }
    text
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    pub version: i64,
    pub document: String,
}

/// Applies a previewed sheet: one save against the version the preview was made from.
pub async fn apply(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ApplyForm>,
) -> Result<Response, PageError> {
    state
        .store
        .save_assessment(
            &signed.actor,
            &state.catalog,
            id,
            form.version,
            &form.document,
        )
        .await?;
    Ok(Redirect::to(&format!("/assessments/{id}?done=sheet")).into_response())
}
