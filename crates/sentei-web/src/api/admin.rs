//! API: users (administrators) and the caller's own tokens.

use axum::extract::{Path, State};
use axum::{Extension, Json};

use crate::extract::ApiJson;
use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, TokenView, UserView, generate_password};

use super::time_text;
use super::types::*;
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::state::AppState;

pub(crate) fn user_body(u: UserView) -> UserBody {
    UserBody {
        id: u.id,
        login: u.login,
        name: u.display_name,
        department: u.department,
        email: u.email,
        role: u.role.as_str().to_owned(),
        active: u.active,
    }
}

/// The users of the organization.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [UserBody])))]
pub async fn users(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<Vec<UserBody>>, ApiError> {
    Ok(Json(
        state
            .store
            .users(&signed.actor)
            .await?
            .into_iter()
            .map(user_body)
            .collect(),
    ))
}

/// Adds a user; the initial password is in the response, this once.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 200, body = NewUserResult), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Json<NewUserResult>, ApiError> {
    let role = UserRole::parse(&body.role)
        .ok_or_else(|| AppError::BadRequest(format!("役割 {} はありません", body.role)))?;
    let password = generate_password();
    let user = state
        .store
        .add_user(
            &signed.actor,
            NewUser {
                login: body.login,
                display_name: body.name,
                department: body.department,
                role,
                password: password.clone(),
                email: body.email,
            },
        )
        .await?;
    Ok(Json(NewUserResult {
        user: user_body(user),
        password,
    }))
}

fn token_body(t: TokenView) -> TokenBody {
    let active = t.active();
    TokenBody {
        id: t.id,
        name: t.name,
        created_at: time_text(t.created_at),
        last_used_at: t.last_used_at.map(time_text),
        active,
        revoked: t.revoked,
        expires_at: time_text(t.expires_at),
        scope: t.scope.as_str().to_owned(),
    }
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", responses((status = 200, body = [TokenBody])))]
pub async fn tokens(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    Ok(Json(
        state
            .store
            .tokens(&signed.actor)
            .await?
            .into_iter()
            .map(token_body)
            .collect(),
    ))
}

/// Revokes one of the caller's tokens. (Tokens are made on the account page only: a token
/// cannot make another.)
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", params(("id" = i64, Path)),
    responses((status = 200, body = [TokenBody]), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    state.store.revoke_token(&signed.actor, id).await?;
    tokens(State(state), Extension(signed)).await
}
