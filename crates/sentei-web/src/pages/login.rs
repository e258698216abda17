//! Signing in and out.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use serde::Deserialize;

use crate::auth::{LOGIN_CSRF_COOKIE, Signed, cookie, equal, session_cookie};
use crate::error::{AppError, PageError};
use crate::layout::Layout;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    login_csrf: String,
    next: String,
    login: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(Query(query): Query<Next>) -> Result<Response, PageError> {
    render(
        next_path(query.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
}

fn render(
    next: String,
    login: String,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let token = sentei_store::random_hex()?;
    let page = LoginPage {
        layout: Layout::new("サインイン", None, "/login"),
        login_csrf: token.clone(),
        next,
        login,
        problem,
    };
    let mut response = (status, page).into_response();
    let value = format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct Credentials {
    login: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    address: ClientAddress,
    PageForm(form): PageForm<Credentials>,
) -> Result<Response, PageError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !equal(&form.csrf, expected) {
        return Err(PageError(AppError::Forbidden(
            "送信の確認用の値が正しくありません。サインインのページを開き直してください".to_owned(),
        )));
    }
    let next = next_path(Some(&form.next));
    let login = form.login.trim().to_owned();
    if let Some(minutes) = state.store.sign_in_blocked(&login, &address.0).await? {
        let message = format!(
            "サインインの失敗が続いたため、一時的に受け付けていません。{minutes} 分ほどおいてからお試しください"
        );
        return render(next, login, Some(message), StatusCode::TOO_MANY_REQUESTS);
    }
    let Some(actor) = state.store.authenticate(&login, &form.password).await? else {
        state
            .store
            .record_sign_in_failure(&login, &address.0)
            .await?;
        // In the audit trail as well, for the people who read it (never the password).
        state
            .store
            .record_failed_sign_in(&login, &address.0)
            .await?;
        let message = "ログイン名またはパスワードが違います".to_owned();
        return render(next, login, Some(message), StatusCode::UNAUTHORIZED);
    };
    state.store.clear_sign_in_failures(&login).await?;
    let (token, _) = state.store.start_session(&actor).await?;
    let max_age = sentei_store::SESSION_LIFETIME.whole_seconds();
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie(
        &token,
        state.config.secure_cookies,
        max_age,
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Response, PageError> {
    if let Some(session) = &signed.session {
        state.store.end_session(session).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie("", state.config.secure_cookies, 0)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A redirect target after sign-in: a path on this site only, never another origin.
fn next_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The client's address, for throttling; "unknown" when the server cannot tell.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::next_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(next_path(Some("/ledger?x=1")), "/ledger?x=1");
        assert_eq!(next_path(Some("//evil.example/")), "/");
        assert_eq!(next_path(Some("https://evil.example/")), "/");
        assert_eq!(next_path(Some("/\\evil.example")), "/");
        assert_eq!(next_path(None), "/");
    }
}
