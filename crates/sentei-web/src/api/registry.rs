//! API: who am I, profiles, judging a document, services and assessments.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};

use crate::extract::ApiJson;
use sentei_core::judge;
use sentei_core::profile::Profile;
use sentei_store::{NewService, ServiceQuery, ServiceView, StoredAssessment};
use serde_json::Value;

use super::types::*;
use super::{application_body, nonempty};
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = Me)))]
pub async fn me(Extension(signed): Extension<Signed>) -> Json<Me> {
    let a = &signed.actor;
    Json(Me {
        login: a.login().to_owned(),
        name: a.display_name().to_owned(),
        department: a.department().to_owned(),
        role: a.role().as_str().to_owned(),
    })
}

/// The profiles (criteria) this installation judges against.
#[utoipa::path(get, path = "/api/v1/profiles", tag = "profiles", responses((status = 200, body = [ProfileSummary])))]
pub async fn profiles(State(state): State<AppState>) -> Json<Vec<ProfileSummary>> {
    Json(
        state
            .catalog
            .profiles()
            .iter()
            .map(|p| ProfileSummary {
                id: p.id.clone(),
                version: p.version.clone(),
                title: p.title.clone(),
                items: p.items.len(),
            })
            .collect(),
    )
}

/// A profile's items, with their levels, conditions in words and citations.
#[utoipa::path(get, path = "/api/v1/profiles/{id}", tag = "profiles",
    params(("id" = String, Path, description = "profile id, e.g. city-checklist")),
    responses((status = 200, body = ProfileDetail), (status = 404, body = ErrorBody)))]
pub async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProfileDetail>, ApiError> {
    let p: &Profile = state
        .catalog
        .get(&id)
        .ok_or_else(|| AppError::NotFound(format!("基準 {id} は見つかりません")))?;
    let name = |i| p.item_id(i);
    Ok(Json(ProfileDetail {
        id: p.id.clone(),
        version: p.version.clone(),
        title: p.title.clone(),
        source: p.source.document.clone(),
        items: p
            .items
            .iter()
            .map(|item| ProfileItem {
                id: item.id.clone(),
                level: p
                    .level(item.level)
                    .map_or(String::new(), |l| l.name.clone()),
                category: item.category.clone(),
                text: item.text.clone(),
                condition: item
                    .applies_when
                    .as_ref()
                    .map_or_else(|| "常に適用".to_owned(), |c| c.describe(&name)),
                citation: item.citation.clone(),
            })
            .collect(),
    }))
}

/// Judges an assessment document (the contract's format) without storing it, like
/// `sentei assess`. 422 with the problems when the document is invalid.
#[utoipa::path(post, path = "/api/v1/judge", tag = "assessments",
    request_body(content = Object, description = "an assessment file of the contract, as JSON"),
    responses((status = 200, description = "the judgement JSON of the contract"), (status = 422, body = ErrorBody)))]
pub async fn judge_document(
    State(state): State<AppState>,
    ApiJson(document): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let assessment = state
        .catalog
        .parse_assessment(&document.to_string())
        .map_err(|e| AppError::Refused(e.to_string()))?;
    let profile = state
        .catalog
        .get(&assessment.profile_id)
        .ok_or_else(|| AppError::NotFound("基準が見つかりません".to_owned()))?;
    let judgement = judge(profile, &assessment);
    let value = serde_json::to_value(&judgement).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(value))
}

fn service_body(s: ServiceView) -> ServiceBody {
    ServiceBody {
        id: s.id,
        name: s.name,
        provider: s.provider,
        description: s.description,
        classification: s.classification,
        verdict: s.verdict,
        status: s.status,
    }
}

pub fn assessment_body(a: StoredAssessment) -> AssessmentBody {
    AssessmentBody {
        id: a.id,
        service_id: a.service_id,
        profile_id: a.profile_id,
        profile_version: a.profile_version,
        version: a.version,
        verdict: a.verdict,
        document: a.document,
        judgement: a.judgement,
    }
}

/// Services, filtered by name, provider, classification, verdict and status.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", params(ServiceFilters),
    responses((status = 200, body = ServicePage)))]
pub async fn services(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(f): Query<ServiceFilters>,
) -> Result<Json<ServicePage>, ApiError> {
    let page = state
        .store
        .services(
            &signed.actor,
            &ServiceQuery {
                search: f.search,
                provider: nonempty(f.provider),
                classification: nonempty(f.classification),
                verdict: nonempty(f.verdict),
                status: nonempty(f.status),
                page: f.page,
                page_size: f.page_size,
            },
        )
        .await?;
    Ok(Json(ServicePage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page.items.into_iter().map(service_body).collect(),
    }))
}

/// Registers a service.
#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = NewServiceBody,
    responses((status = 200, body = ServiceBody), (status = 422, body = ErrorBody)))]
pub async fn create_service(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    ApiJson(body): ApiJson<NewServiceBody>,
) -> Result<Json<ServiceBody>, ApiError> {
    let service = state
        .store
        .create_service(
            &signed.actor,
            NewService {
                name: body.name,
                provider: body.provider,
                description: body.description,
            },
        )
        .await?;
    Ok(Json(service_body(service)))
}

/// A service with its assessments and applications.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 200, body = ServiceDetail), (status = 404, body = ErrorBody)))]
pub async fn service(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<ServiceDetail>, ApiError> {
    let actor = &signed.actor;
    let service = state.store.service(actor, id).await?;
    let assessments = state.store.assessments_of_service(actor, id).await?;
    let applications = state.store.applications(actor, None, 1, 500).await?;
    Ok(Json(ServiceDetail {
        service: service_body(service),
        assessments: assessments.into_iter().map(assessment_body).collect(),
        applications: applications
            .items
            .into_iter()
            .filter(|a| a.service_id == id)
            .map(application_body)
            .collect(),
    }))
}

/// Starts an assessment of a service from a document of the contract.
#[utoipa::path(post, path = "/api/v1/services/{id}/assessments", tag = "assessments", params(("id" = i64, Path)),
    request_body(content = Object, description = "an assessment file of the contract, as JSON"),
    responses((status = 200, body = AssessmentBody), (status = 422, body = ErrorBody)))]
pub async fn create_assessment(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(document): ApiJson<Value>,
) -> Result<Json<AssessmentBody>, ApiError> {
    let stored = state
        .store
        .create_assessment(&signed.actor, &state.catalog, id, &document.to_string())
        .await?;
    Ok(Json(assessment_body(stored)))
}

/// An assessment: its document and its judgement as last saved.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = i64, Path)),
    responses((status = 200, body = AssessmentBody), (status = 404, body = ErrorBody)))]
pub async fn assessment(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<AssessmentBody>, ApiError> {
    Ok(Json(assessment_body(
        state.store.assessment(&signed.actor, id).await?,
    )))
}

/// Saves a new document over the version it started from (409 if someone saved since).
#[utoipa::path(put, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = i64, Path)),
    request_body = SaveAssessmentBody,
    responses((status = 200, body = AssessmentBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_assessment(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SaveAssessmentBody>,
) -> Result<Json<AssessmentBody>, ApiError> {
    let stored = state
        .store
        .save_assessment(
            &signed.actor,
            &state.catalog,
            id,
            body.version,
            &body.document.to_string(),
        )
        .await?;
    Ok(Json(assessment_body(stored)))
}
