//! API: what is exchanged with people outside the system. Check sheets as Excel workbooks
//! (download; upload as a dry run or applied), vendor answer links (list, make, revoke), and
//! the data of an application's printable report.
//!
//! Each handler reuses what the pages use: the same workbook export, the same reading of an
//! uploaded sheet (`pages::sheets::examine`), the same versioned save, the same store calls
//! for links, and the same gathering of the report (`pages::report::gather`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sentei_core::Answer;
use sentei_core::workflow::Action;
use sentei_exchange::sheet::{MAX_FILE_BYTES, SheetError};
use serde::Serialize;

use super::registry::assessment_body;
use super::types::*;
use super::{application_body, role_name, time_text};
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::extract::ApiJson;
use crate::layout::verdict_label;
use crate::pages::report::{self, Report};
use crate::pages::sheets::{self, Change, XLSX};
use crate::pages::vendor::{link_path, public_origin};
use crate::state::AppState;

/// The name an uploaded workbook goes by in problem messages.
const UPLOADED: &str = "送信されたチェックシート";

/// The check sheet of an assessment as an Excel workbook, as the editor's download gives it.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/sheet.xlsx", tag = "sheets",
    params(("id" = i64, Path), SheetDownloadParams),
    responses(
        (status = 200, description = "the workbook (.xlsx)", body = Workbook, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ErrorBody)))]
pub async fn sheet_download(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(params): Query<SheetDownloadParams>,
) -> Result<Response, ApiError> {
    let scope = sheets::scope(params.all.as_deref());
    let (bytes, service) = sheets::workbook(&state, &signed, id, scope).await?;
    Ok(sheets::xlsx_download(bytes, id, &service))
}

/// What an upload answers: a dry run's preview, or the assessment as saved.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SheetUploadResult {
    Preview(SheetPreview),
    Saved(AssessmentBody),
}

/// A filled check sheet, sent as the request body (the .xlsx file itself, at most 10 MB).
/// With `dry_run=true` (the default) nothing is saved: the answer says which items' answers
/// would change and how the verdict would. With `dry_run=false&expected_version=N` the sheet
/// is saved as the editor's apply saves it: one versioned save of the whole assessment, a
/// conflict (409) if someone saved after version N. A sheet with problems is refused (422)
/// with every problem, each named by its cell, and nothing is changed.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/sheet", tag = "sheets",
    params(("id" = i64, Path), SheetUploadParams),
    request_body(content = Workbook, description = "the filled workbook (.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses(
        (status = 200, description = "dry run: a SheetPreview; otherwise the saved AssessmentBody", body = SheetUploadResult),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "the sheet's problems; nothing was changed", body = SheetRefusal)))]
pub async fn sheet_upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(params): Query<SheetUploadParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = workbook_body(&headers, body)?;
    let dry_run = params.dry_run.unwrap_or(true);
    let expected_version = match (dry_run, params.expected_version) {
        (_, Some(version)) => Some(version),
        (true, None) => None,
        (false, None) => {
            return Err(AppError::BadRequest(
                "保存するには expected_version（変更のもとにした評価の版）を指定してください"
                    .to_owned(),
            )
            .into());
        }
    };
    let stored = state.store.assessment(&signed.actor, id).await?;
    let (_, before) = crate::pages::read_stored(&state, &stored)?;
    let examined = match sheets::examine(&state, before, UPLOADED.to_owned(), bytes).await? {
        Ok(examined) => examined,
        Err(error) => return Ok(refusal(&error)),
    };
    let result = match expected_version {
        Some(version) if !dry_run => {
            let saved = state
                .store
                .save_assessment(
                    &signed.actor,
                    &state.catalog,
                    id,
                    version,
                    &examined.document.to_string(),
                )
                .await?;
            SheetUploadResult::Saved(assessment_body(saved))
        }
        _ => SheetUploadResult::Preview(SheetPreview {
            assessment_id: id,
            version: stored.version,
            changes: examined.changes.into_iter().map(change_body).collect(),
            facts_differ: examined.facts_differ,
            verdict_before: examined.verdict_before.as_str().to_owned(),
            verdict_after: examined.verdict_after.as_str().to_owned(),
            problems: Vec::new(),
        }),
    };
    Ok(Json(result).into_response())
}

/// The request body as a workbook: sent as .xlsx, no larger than a sheet may be.
fn workbook_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, AppError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|m| m.eq_ignore_ascii_case(XLSX)) {
        return Err(AppError::BadRequest(format!(
            "Content-Type が違います。チェックシートは .xlsx ファイルをそのまま本文とし、Content-Type: {XLSX} で送ってください"
        )));
    }
    super::file_body(body, "チェックシート", MAX_FILE_BYTES)
}

/// 422 with every problem of a sheet.
fn refusal(error: &SheetError) -> Response {
    let body = SheetRefusal {
        error: "チェックシートを読み込めませんでした。評価は変更していません".to_owned(),
        problems: error
            .problems
            .iter()
            .map(|p| SheetProblemBody {
                cell: p.cell.clone(),
                message: p.message.clone(),
            })
            .collect(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn change_body(change: Change) -> SheetChangeBody {
    SheetChangeBody {
        item: change.id,
        before: change.old.map(answer_body),
        after: change.new.map(answer_body),
    }
}

fn answer_body(answer: Answer) -> AnswerBody {
    AnswerBody {
        status: code(answer.status),
        reason: answer.reason,
        evidence: answer.evidence,
    }
}

/// A value's name in the contract's JSON (`met`, `needs_acceptance`, ...).
fn code(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn link_body(link: sentei_store::VendorLinkView) -> VendorLinkBody {
    VendorLinkBody {
        active: link.active(),
        id: link.id,
        assessment_id: link.assessment_id,
        contact: link.contact,
        created_by: link.created_by,
        created_at: time_text(link.created_at),
        expires_at: time_text(link.expires_at),
        last_used_at: link.last_used_at.map(time_text),
        revoked: link.revoked,
    }
}

/// The vendor answer links of an assessment, newest first (never their tokens).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/vendor-links", tag = "vendor links",
    params(("id" = i64, Path)),
    responses((status = 200, body = [VendorLinkBody]), (status = 404, body = ErrorBody)))]
pub async fn vendor_links(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<VendorLinkBody>>, ApiError> {
    // The assessment must exist in the caller's organization: an unknown one is 404, not [].
    state.store.assessment(&signed.actor, id).await?;
    let links = state.store.vendor_links(&signed.actor, id).await?;
    Ok(Json(links.into_iter().map(link_body).collect()))
}

/// Makes a vendor answer link, as the editor's form does. The token is in this answer only.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/vendor-links", tag = "vendor links",
    params(("id" = i64, Path)), request_body = NewVendorLinkBody,
    responses((status = 200, body = NewVendorLinkResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_vendor_link(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewVendorLinkBody>,
) -> Result<Json<NewVendorLinkResult>, ApiError> {
    let origin = public_origin(&state)?;
    let (token, link) = state
        .store
        .create_vendor_link(&signed.actor, id, &body.contact, body.days)
        .await?;
    Ok(Json(NewVendorLinkResult {
        path: link_path(&token),
        url: format!("{origin}{}", link_path(&token)),
        token,
        link: link_body(link),
    }))
}

/// Revokes a vendor answer link at once; the link as it is now.
#[utoipa::path(post, path = "/api/v1/vendor-links/{id}/revoke", tag = "vendor links",
    params(("id" = i64, Path)),
    responses((status = 200, body = VendorLinkBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_vendor_link(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<VendorLinkBody>, ApiError> {
    let assessment = state.store.revoke_vendor_link(&signed.actor, id).await?;
    let link = state
        .store
        .vendor_links(&signed.actor, assessment)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| AppError::NotFound(format!("回答リンク {id} は見つかりません")))?;
    Ok(Json(link_body(link)))
}

/// What the printable report of an application shows, as data: the service, the profile and
/// its version, the verdict with its reasons, every item with its answer, evidence and
/// outcome, the acceptances and the workflow history with names and times.
#[utoipa::path(get, path = "/api/v1/applications/{id}/report", tag = "applications",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReportBody), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<ReportBody>, ApiError> {
    let report = report::gather(&state, &signed.actor, id).await?;
    Ok(Json(report_body(report)))
}

fn report_body(report: Report) -> ReportBody {
    let gathered = &report.application;
    let review = &gathered.review;
    let app = &review.application;
    let acceptances = review
        .acceptances
        .iter()
        .map(|a| ReportAcceptance {
            role: role_name(a.role).to_owned(),
            user_id: a.user_id,
            user_name: gathered.name(a.user_id),
            reason: a.reason.clone(),
            assessment_version: a.assessment_version,
            at: gathered.accepted_at(a).map(time_text),
        })
        .collect();
    let history = gathered
        .events
        .iter()
        .map(|e| ReportEvent {
            action_label: Action::parse(&e.action)
                .map_or("", Action::event)
                .to_owned(),
            action: e.action.clone(),
            actor_id: e.actor_id,
            actor_name: gathered.name(e.actor_id),
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            verdict: e.verdict.clone(),
            assessment_version: e.assessment_version,
            comment: e.comment.clone(),
            at: time_text(e.at),
        })
        .collect();
    let nonempty = |text: String| (!text.is_empty()).then_some(text);
    let items = report
        .items
        .into_iter()
        .map(|i| ReportItemBody {
            answer: code(i.answer),
            answer_label: i.answer.label().to_owned(),
            outcome: code(i.outcome),
            outcome_label: i.outcome.label().to_owned(),
            id: i.id,
            category: i.categories,
            text: i.text,
            level: i.level,
            applies: i.applies,
            why: i.why,
            reason: nonempty(i.reason),
            evidence: nonempty(i.evidence),
        })
        .collect();
    ReportBody {
        evidence: report
            .evidence
            .into_iter()
            .map(super::evidence::attachment_body)
            .collect(),
        applicant_name: gathered.name(app.applicant_id),
        service: ReportService {
            id: gathered.service.id,
            name: gathered.service.name.clone(),
            provider: report.provider,
            classification: report.classification,
            classification_label: report.classification_label,
        },
        profile: ReportProfile {
            id: report.profile_id,
            title: report.profile_title,
            version: report.profile_version,
        },
        assessment_id: app.assessment_id,
        assessment_version: review.assessment_version,
        verdict: review.verdict.as_str().to_owned(),
        verdict_label: verdict_label(review.verdict.as_str()).to_owned(),
        reasons: review.reasons.clone(),
        required_approvals: review
            .required_approvals
            .iter()
            .map(|r| role_name(r).to_owned())
            .collect(),
        acceptances,
        history,
        items,
        pinned: review.pinned,
        current_assessment_version: review.current_assessment_version,
        changed_since_pinned: review.changed_since_pinned,
        application: application_body(app.clone()),
    }
}
