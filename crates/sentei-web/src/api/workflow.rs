//! API: applications through the workflow.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};

use crate::extract::ApiJson;
use sentei_core::judgement::Role;
use sentei_core::workflow::{Action, Kind, Status};
use sentei_store::NewApplication;

use super::types::*;
use super::{application_body, date, role_name, time_text};
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// Applications, newest first, optionally in one status.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationFilters),
    responses((status = 200, body = ApplicationPage)))]
pub async fn applications(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(f): Query<ApplicationFilters>,
) -> Result<Json<ApplicationPage>, ApiError> {
    let status = match f.status.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(
            Status::parse(name)
                .ok_or_else(|| AppError::BadRequest(format!("状態 {name} はありません")))?,
        ),
        None => None,
    };
    let page = state
        .store
        .applications(&signed.actor, status, f.page, f.page_size)
        .await?;
    Ok(Json(ApplicationPage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page.items.into_iter().map(application_body).collect(),
    }))
}

/// Creates a draft application.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = NewApplicationBody,
    responses((status = 200, body = ApplicationBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    ApiJson(body): ApiJson<NewApplicationBody>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let app = state
        .store
        .create_application(
            &signed.actor,
            NewApplication {
                service_id: body.service_id,
                assessment_id: body.assessment_id,
                purpose: body.purpose,
                user_scope: body.user_scope,
                period_start: date(&body.period_start)?,
                period_end: date(&body.period_end)?,
                kind: match body.kind.as_deref().filter(|k| !k.is_empty()) {
                    None => Kind::New,
                    Some(name) => Kind::parse(name).ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "種類 {name} はありません（new, change, renewal のいずれかです）"
                        ))
                    })?,
                },
                ledger_entry_id: body.ledger_entry_id,
            },
        )
        .await?;
    Ok(Json(application_body(app)))
}

/// An application with what it is decided on (pinned at submission), whether its assessment
/// changed since, what the caller may do and its history.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationDetail), (status = 404, body = ErrorBody)))]
pub async fn application(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let review = state
        .store
        .review(&signed.actor, &state.catalog, id)
        .await?;
    let events = state.store.application_events(&signed.actor, id).await?;
    Ok(Json(ApplicationDetail {
        verdict: review.verdict.as_str().to_owned(),
        reasons: review.reasons,
        required_approvals: review
            .required_approvals
            .iter()
            .map(|r| role_name(r).to_owned())
            .collect(),
        assessment_version: review.assessment_version,
        profile_current: review.profile_current,
        pinned: review.pinned,
        current_assessment_version: review.current_assessment_version,
        current_verdict: review.current_verdict.as_str().to_owned(),
        changed_since_pinned: review.changed_since_pinned,
        consultation_required: review.consultation_required,
        consulted_version: review.consulted_version,
        acceptances: review
            .acceptances
            .into_iter()
            .map(|a| AcceptanceBody {
                role: role_name(a.role).to_owned(),
                user_id: a.user_id,
                reason: a.reason,
                assessment_version: a.assessment_version,
            })
            .collect(),
        actions: review
            .actions
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        may_accept: review.may_accept.map(|r: Role| role_name(r).to_owned()),
        events: events
            .into_iter()
            .map(|e| EventBody {
                action: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                actor_id: e.actor_id,
                comment: e.comment,
                assessment_version: e.assessment_version,
                verdict: e.verdict,
                at: time_text(e.at),
            })
            .collect(),
        application: application_body(review.application),
    }))
}

/// What changed in an application's assessment after the version it pinned: facts and
/// answers, before and after, in Japanese (empty before submission).
#[utoipa::path(get, path = "/api/v1/applications/{id}/changes", tag = "applications", params(("id" = i64, Path)),
    responses((status = 200, body = ChangesBody), (status = 404, body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<ChangesBody>, ApiError> {
    let changes = state
        .store
        .changes_since_pinned(&signed.actor, &state.catalog, id)
        .await?;
    Ok(Json(ChangesBody {
        application_id: changes.application.id,
        pinned_version: changes.pinned_version,
        current_version: changes.current_version,
        differences: changes
            .differences
            .into_iter()
            .map(|d| DifferenceBody {
                subject: d.subject,
                item: d.item,
                before: d.before,
                after: d.after,
            })
            .collect(),
    }))
}

/// Moves an application through the workflow (422 with the rule when refused).
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", tag = "applications", params(("id" = i64, Path)),
    request_body = ActionBody,
    responses((status = 200, body = ApplicationBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let action = Action::parse(&body.action)
        .ok_or_else(|| AppError::BadRequest(format!("操作 {} はありません", body.action)))?;
    let app = state
        .store
        .act(
            &signed.actor,
            &state.catalog,
            id,
            action,
            &body.comment,
            body.seen_assessment_version,
        )
        .await?;
    Ok(Json(application_body(app)))
}

/// Records the caller's acceptance (as approver or CISO) of a conditional judgement.
#[utoipa::path(post, path = "/api/v1/applications/{id}/acceptances", tag = "applications", params(("id" = i64, Path)),
    request_body = AcceptBody,
    responses((status = 200, body = ApplicationDetail), (status = 422, body = ErrorBody)))]
pub async fn accept(
    state: State<AppState>,
    signed: Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    state
        .store
        .accept(&signed.actor, &state.catalog, id, &body.reason)
        .await?;
    application(state, signed, Path(id)).await
}
