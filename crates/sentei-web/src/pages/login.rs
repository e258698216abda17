//! Signing in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::client::ClientAddress;
use crate::extract::PageForm;
use sentei_store::Reservation;
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

pub async fn form(
    State(state): State<AppState>,
    Query(query): Query<Next>,
) -> Result<Response, PageError> {
    render(
        &state,
        next_path(query.next.as_deref(), page_shapes(&state)),
        String::new(),
        None,
        StatusCode::OK,
    )
}

fn render(
    state: &AppState,
    next: String,
    login: String,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let token = sentei_store::random_hex()?;
    let page = LoginPage {
        layout: Layout::new("ログイン", None, "/login"),
        login_csrf: token.clone(),
        next,
        login,
        problem,
    };
    let mut response = (status, page).into_response();
    // Secure over https like every other cookie (issue 12, finding 11).
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value =
        format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{secure}");
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The largest sign-in form read.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

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
            "送信の確認用の値が正しくありません。ログインのページを開き直してください".to_owned(),
        )));
    }
    let next = next_path(Some(&form.next), page_shapes(&state));
    // What cannot be a login name is neither counted by name nor shown back.
    let login = if sentei_store::valid_login(&form.login) {
        form.login.trim().to_owned()
    } else {
        String::new()
    };
    // The attempt is counted before the password is verified, so that parallel guesses are
    // not verified beyond the limit.
    if let Reservation::Wait { seconds } =
        state.store.reserve_sign_in(&form.login, &address.0).await?
    {
        return render(
            &state,
            next,
            login,
            Some(wait_message(seconds)),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let Some(actor) = state
        .store
        .authenticate(&form.login, &form.password)
        .await?
    else {
        // In the audit trail, for the people who read it (never the password; the name only
        // when it could be a login name).
        state
            .store
            .record_failed_sign_in(&login, &address.0)
            .await?;
        let message = "ログイン名またはパスワードが違います".to_owned();
        return render(&state, next, login, Some(message), StatusCode::UNAUTHORIZED);
    };
    state.store.sign_in_succeeded(&login, &address.0).await?;
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

/// Why an attempt is not verified now, and how long to wait.
pub fn wait_message(seconds: i64) -> String {
    format!(
        "ログインの失敗が続いたため、少し間をおいていただいています。{seconds} 秒ほどおいてから、もう一度お試しください"
    )
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

/// A redirect target after sign-in: a path of a page of this site, or `/`.
///
/// Browsers read a `Location` loosely: `/\t/evil.example` and `/\\evil.example` lead to
/// another host, and a line end in it cannot be sent at all. So the target is not cleaned but
/// recognized: only characters that need no escaping in a URL, a path that is one of the
/// signed-in pages' route shapes (`shapes`, from the route table), and a plain query.
/// Anything else is `/`.
fn next_path(next: Option<&str>, shapes: &[&'static str]) -> String {
    let Some(next) = next else {
        return "/".to_owned();
    };
    let plain = next.len() <= 512
        && next.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'-' | b'_' | b'.' | b'~' | b'?' | b'=' | b'&' | b'%' | b'+'
                )
        });
    let (path, _query) = next.split_once('?').unwrap_or((next, ""));
    if plain && shapes.iter().any(|shape| path_fits(path, shape)) {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// Whether `path` is an instance of a route shape such as `/services/{id}`: the same literal
/// segments, and for each parameter one segment of letters, digits, `.`, `-` or `_` with at
/// least one letter or digit (never `..`).
fn path_fits(path: &str, shape: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    let parts: Vec<&str> = shape.split('/').collect();
    segments.len() == parts.len()
        && segments.iter().zip(&parts).all(|(segment, part)| {
            if part.starts_with('{') {
                segment.bytes().any(|b| b.is_ascii_alphanumeric())
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            } else {
                segment == part
            }
        })
}

/// The route shapes of the pages a signed-in person may be sent to after signing in: the
/// `GET` pages of the route table, but the sign-in page itself, static files and vendor links.
fn page_shapes(state: &AppState) -> &'static [&'static str] {
    static SHAPES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    SHAPES.get_or_init(|| {
        crate::routes::build(state.clone())
            .1
            .into_iter()
            .filter(|spec| {
                spec.method == axum::http::Method::GET
                    && spec.surface == crate::auth::Surface::Page
                    && !matches!(
                        spec.access,
                        crate::auth::Access::Public | crate::auth::Access::VendorLink
                    )
            })
            .map(|spec| spec.path)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::next_path;

    const SHAPES: &[&str] = &["/", "/ledger", "/services/{id}", "/profiles/{id}"];

    #[test]
    fn only_pages_of_this_site_are_followed_after_sign_in() {
        let next = |path: &str| next_path(Some(path), SHAPES);
        assert_eq!(next("/ledger?x=1&y=%E4%BE%8B"), "/ledger?x=1&y=%E4%BE%8B");
        assert_eq!(next("/services/12"), "/services/12");
        assert_eq!(next("/profiles/city-checklist"), "/profiles/city-checklist");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/ledger\n",
            "/\u{3000}/evil.example",
            "/%2F%2Fevil.example",
            "/services/12/../../x",
            "/services/",
            "/services/..",
            "/services/1/2",
            "/api/v1/me",
            "/unknown",
            "",
            "ledger",
        ] {
            assert_eq!(next(hostile), "/", "{hostile:?}");
        }
        assert_eq!(next_path(None, SHAPES), "/");
    }
}
