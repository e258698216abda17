//! The signed-in user's own account: password and API tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::client::ClientAddress;
use crate::extract::PageForm;
use sentei_core::access::{DEFAULT_TOKEN_DAYS, Scope};
use sentei_store::{NewToken, Reservation};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::Done;
use crate::state::AppState;

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    used: String,
    expires: String,
    scope: &'static str,
    revoked: bool,
    active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    problem: Option<String>,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
    default_days: i64,
    max_days: i64,
    /// The password was generated: this page asks for a new one before anything else.
    change_due: bool,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    done: Option<&str>,
    problem: Option<String>,
    new_token: Option<String>,
) -> Result<AccountPage, PageError> {
    let tokens = state.store.tokens(&signed.actor).await?;
    Ok(AccountPage {
        layout: Layout::new("アカウント", Some(signed), "/account").with_notice(done),
        problem,
        new_token,
        default_days: DEFAULT_TOKEN_DAYS.min(state.config.token_days_limit()),
        max_days: state.config.token_days_limit(),
        change_due: signed.actor.password_change_due(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                expires: layout::time(t.expires_at),
                scope: t.scope.label(),
                active: t.active(),
                id: t.id,
                name: t.name,
                created: layout::time(t.created_at),
                used: t
                    .last_used_at
                    .map(layout::time)
                    .unwrap_or_else(|| "未使用".to_owned()),
                revoked: t.revoked,
            })
            .collect(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(done): Query<Done>,
) -> Result<AccountPage, PageError> {
    page(&state, &signed, done.done.as_deref(), None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    /// The check box 「API トークンもすべて無効にする」.
    #[serde(default)]
    end_tokens: Option<String>,
}

/// Changes the user's password after checking the current one; other sessions end, and the
/// user's API tokens too if they ask.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    address: ClientAddress,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let login = signed.actor.login().to_owned();
    // Guessing the current password from a borrowed session is throttled like signing in.
    if let Reservation::Wait { seconds } = state.store.reserve_sign_in(&login, &address.0).await? {
        let message = crate::pages::login::wait_message(seconds);
        let page = page(&state, &signed, None, Some(message), None).await?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    if state
        .store
        .authenticate(&login, &form.current)
        .await?
        .is_none()
    {
        let page = page(
            &state,
            &signed,
            None,
            Some("今のパスワードが違います".to_owned()),
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state.store.sign_in_succeeded(&login, &address.0).await?;
    let changed = state
        .store
        .change_own_password(
            &signed.actor,
            &form.new,
            signed.session.as_ref().map(|s| s.id),
            form.end_tokens.is_some(),
        )
        .await;
    if let Err(error) = changed {
        let AppError::Refused(message) = AppError::from(error) else {
            return Err(PageError(AppError::Internal(
                "パスワードを変更できません".to_owned(),
            )));
        };
        let page = page(&state, &signed, None, Some(message), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    Ok(Redirect::to("/account?done=password").into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    /// Days it lives; the default lifetime when not given.
    #[serde(default)]
    days: Option<String>,
    /// `read` or `read_write`; reading only when not given.
    #[serde(default)]
    scope: Option<String>,
}

/// Creates an API token and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    let days = match form.days.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_TOKEN_DAYS,
        Some(days) => days.parse().map_err(|_| {
            AppError::BadRequest("有効期間は日数（数字）で書いてください".to_owned())
        })?,
    };
    let scope = match form.scope.as_deref() {
        None | Some("") => Scope::ReadOnly,
        Some(name) => Scope::parse(name)
            .ok_or_else(|| AppError::BadRequest("トークンの権限が正しくありません".to_owned()))?,
    };
    let new = NewToken {
        name: &form.name,
        days,
        scope,
        max_days: state.config.token_days_limit(),
    };
    let (token, _) = state.store.create_token(&signed.actor, &new).await?;
    Ok(page(&state, &signed, Some("created"), None, Some(token))
        .await?
        .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    state.store.revoke_token(&signed.actor, id).await?;
    Ok(Redirect::to("/account?done=token-revoked").into_response())
}
