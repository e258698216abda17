//! API: people over time, for administrators: edit, give another role, deactivate and
//! reactivate users, read in the April transfers from a file, rename the organization. The
//! same store calls as the pages; the rules are in `sentei_core::people`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sentei_core::workflow::UserRole;
use sentei_exchange::users_file::{self, MAX_FILE_BYTES};
use sentei_store::{UserEdit, UserImportPlan};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::admin::user_body;
use super::types::*;
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Changes a user's name, department and e-mail address.
#[utoipa::path(put, path = "/api/v1/users/{login}", tag = "users", params(("login" = String, Path)),
    request_body = EditUserBody,
    responses((status = 200, body = UserBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
    ApiJson(body): ApiJson<EditUserBody>,
) -> Result<Json<UserBody>, ApiError> {
    let user = state
        .store
        .edit_user(
            &signed.actor,
            &login,
            UserEdit {
                display_name: body.name,
                department: body.department,
                email: body.email,
            },
        )
        .await?;
    Ok(Json(user_body(user)))
}

/// Gives a user another role; refused (422) when no active administrator would be left.
#[utoipa::path(post, path = "/api/v1/users/{login}/role", tag = "users", params(("login" = String, Path)),
    request_body = RoleBody,
    responses((status = 200, body = UserBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_role(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<UserBody>, ApiError> {
    let role = UserRole::parse(&body.role)
        .ok_or_else(|| AppError::BadRequest(format!("役割 {} はありません", body.role)))?;
    let user = state.store.set_role(&signed.actor, &login, role).await?;
    Ok(Json(user_body(user)))
}

/// Deactivates a user: sign-in refused, every session and API token of theirs ended at once.
#[utoipa::path(post, path = "/api/v1/users/{login}/deactivate", tag = "users", params(("login" = String, Path)),
    responses((status = 200, body = DeactivationResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deactivate(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Json<DeactivationResult>, ApiError> {
    let (user, ended) = state.store.deactivate_user(&signed.actor, &login).await?;
    Ok(Json(DeactivationResult {
        user: user_body(user),
        sessions_ended: ended.sessions,
        tokens_revoked: ended.tokens,
    }))
}

/// Lets a deactivated user sign in again.
#[utoipa::path(post, path = "/api/v1/users/{login}/activate", tag = "users", params(("login" = String, Path)),
    responses((status = 200, body = UserBody), (status = 404, body = ErrorBody)))]
pub async fn activate(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Json<UserBody>, ApiError> {
    let user = state.store.activate_user(&signed.actor, &login).await?;
    Ok(Json(user_body(user)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserImportParams {
    /// true (the default): only say what would be done. false: apply it.
    pub dry_run: Option<bool>,
    /// The file's name, for messages and the audit trail.
    pub file: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddedUserBody {
    /// Where the row is (`5行目`).
    pub place: String,
    pub login: String,
    pub name: String,
    pub department: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    /// The initial password, once applied (this response only).
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangedUserBody {
    pub place: String,
    pub login: String,
    /// Each change in Japanese: 「所属: 市民課 → 情報政策課」.
    pub changes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportProblemBody {
    pub place: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserImportBody {
    pub dry_run: bool,
    /// Whether the users were added and changed (never with problems).
    pub applied: bool,
    pub added: Vec<AddedUserBody>,
    pub changed: Vec<ChangedUserBody>,
    pub unchanged: usize,
    /// Every row that cannot be taken; when there is any, nothing is changed (422).
    pub problems: Vec<ImportProblemBody>,
}

/// Reads a users file (CSV or .xlsx: ログイン名・氏名・所属・役割, optionally メールアドレス・状態)
/// and, unless a dry run, adds and changes every user it names, all or nothing.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users", params(UserImportParams),
    request_body(content = Workbook, description = "the users file: CSV (UTF-8, Shift_JIS or UTF-16) or .xlsx", content_type = "text/csv"),
    responses(
        (status = 200, body = UserImportBody),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "rows that cannot be taken (or the file as a whole); nothing was changed", body = UserImportBody)))]
pub async fn import(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(params): Query<UserImportParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = super::file_body(body, "利用者のファイル", MAX_FILE_BYTES)?;
    let dry_run = params.dry_run.unwrap_or(true);
    let file = params
        .file
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| "送信された利用者のファイル".to_owned());
    let read = {
        let file = file.clone();
        crate::uploads::read(&state, move || users_file::read(&file, &bytes)).await?
    };
    let (plan, mut problems) = match read {
        Ok(read) => {
            let problems: Vec<ImportProblemBody> = read
                .problems
                .iter()
                .map(|p| ImportProblemBody {
                    place: p.place.clone(),
                    message: p.message.clone(),
                })
                .collect();
            let plan = state
                .store
                .import_users(
                    &signed.actor,
                    &file,
                    &read.rows,
                    dry_run || !problems.is_empty(),
                )
                .await?;
            (plan, problems)
        }
        Err(error) => (
            UserImportPlan::default(),
            error
                .problems
                .iter()
                .map(|p| ImportProblemBody {
                    place: p.place.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        ),
    };
    problems.extend(plan.problems.iter().map(|p| ImportProblemBody {
        place: p.place.clone(),
        message: p.message.clone(),
    }));
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = UserImportBody {
        dry_run,
        applied: plan.applied,
        added: plan
            .added
            .into_iter()
            .map(|a| AddedUserBody {
                place: a.place,
                login: a.login,
                name: a.display_name,
                department: a.department,
                email: a.email,
                role: a.role.as_str().to_owned(),
                active: a.active,
                password: a.password,
            })
            .collect(),
        changed: plan
            .changed
            .into_iter()
            .map(|c| ChangedUserBody {
                place: c.place,
                login: c.login,
                changes: c.changes,
            })
            .collect(),
        unchanged: plan.unchanged,
        problems,
    };
    Ok((status, Json(body)).into_response())
}

/// The caller's organization.
#[utoipa::path(get, path = "/api/v1/organization", tag = "users", responses((status = 200, body = OrganizationBody)))]
pub async fn organization(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<OrganizationBody>, ApiError> {
    let org = state.store.own_organization(&signed.actor).await?;
    Ok(Json(OrganizationBody {
        code: org.code,
        name: org.name,
    }))
}

/// Renames the caller's organization (its code stays).
#[utoipa::path(put, path = "/api/v1/organization", tag = "users", request_body = RenameBody,
    responses((status = 200, body = OrganizationBody), (status = 422, body = ErrorBody)))]
pub async fn rename_organization(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Json<OrganizationBody>, ApiError> {
    let org = state
        .store
        .rename_organization(&signed.actor, &body.name)
        .await?;
    Ok(Json(OrganizationBody {
        code: org.code,
        name: org.name,
    }))
}
