//! Who is asking, and may they: sessions for pages, tokens for the API, and CSRF protection.
//!
//! Every route is registered with an [`Access`] (see `routes.rs`), and [`gate`] enforces it
//! before any handler runs: handlers receive the signed-in user as a [`Signed`] extension and
//! never check roles themselves. State-changing page requests must come from this site
//! (Origin / Sec-Fetch-Site) and carry the session's CSRF token.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::access::Capability;
use sentei_store::{Actor, Session};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, AppError, PageError};
use crate::state::AppState;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "sentei_session";
/// The cookie holding the sign-in form's CSRF token, before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "sentei_login_csrf";
/// Largest form body read to find the CSRF token.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user whose role has the capability.
    Can(Capability),
    /// A signed-in user whose role has either capability.
    CanEither(Capability, Capability),
    /// Whoever holds a valid vendor answer link (`/vendor/{token}/...`), signed in or not:
    /// the link is the credential, and it reaches one assessment only.
    VendorLink,
}

impl Access {
    pub fn allows(self, actor: &Actor) -> bool {
        match self {
            Access::Public | Access::SignedIn | Access::VendorLink => true,
            Access::Can(c) => actor.can(c),
            Access::CanEither(a, b) => actor.can(a) || actor.can(b),
        }
    }
}

/// Pages or API: decides how the user is found and how refusals look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Page,
    Api,
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Signed {
    pub actor: Actor,
    /// The page session (None for API tokens).
    pub session: Option<Session>,
    /// Unread notifications, for the page header (counted for pages only; see `notices.rs`).
    pub unread: u64,
}

impl Signed {
    pub fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf_token.as_str())
    }
}

/// Finds the user, enforces the route's access and, for pages, CSRF; then runs the handler.
pub async fn gate(
    State(state): State<AppState>,
    access: Access,
    surface: Surface,
    mut request: Request,
    next: Next,
) -> Response {
    if access == Access::VendorLink {
        return vendor_gate(&state, request, next).await;
    }
    let signed = match surface {
        Surface::Page => page_user(&state, request.headers()).await,
        Surface::Api => api_user(&state, request.headers()).await,
    };
    let signed = match signed {
        Ok(signed) => signed,
        Err(error) => return refuse(surface, error),
    };
    if access != Access::Public {
        let Some(signed) = &signed else {
            return match surface {
                Surface::Page => Redirect::to(&login_url(&request)).into_response(),
                Surface::Api => ApiError(AppError::Unauthorized).into_response(),
            };
        };
        if !access.allows(&signed.actor) {
            let error = AppError::Forbidden(format!(
                "{}にはこのページを使う権限がありません",
                signed.actor.role().label()
            ));
            return match surface {
                // In the layout of the user who asked, with their menu.
                Surface::Page => {
                    crate::error::with_signed(Some(signed.clone()), async {
                        PageError(error).into_response()
                    })
                    .await
                }
                Surface::Api => ApiError(error).into_response(),
            };
        }
        // A generated password (the first administrator's) is changed before anything else.
        if signed.actor.password_change_due()
            && !precedes_password_change(request.method(), request.uri().path())
        {
            return match surface {
                Surface::Page => Redirect::to("/account").into_response(),
                Surface::Api => refuse(
                    surface,
                    AppError::Forbidden(
                        "初期パスワードを変更するまで使えません。画面でログインして、パスワードを変更してください"
                            .to_owned(),
                    ),
                ),
            };
        }
    }
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if surface == Surface::Page && changes_state {
        if let Err(error) = same_site(&state, request.headers()) {
            return refuse(surface, error);
        }
        // The sign-in form has no session yet; it checks its own token (double submit).
        if let Some(signed) = &signed {
            request = match checked_csrf(request, signed.csrf()).await {
                Ok(request) => request,
                Err(error) => return refuse(surface, error),
            };
        }
    }
    if let Some(signed) = signed {
        request.extensions_mut().insert(signed);
    }
    next.run(request).await
}

/// What a user whose password must be changed may still do: see the account page, change
/// the password there, sign out.
fn precedes_password_change(method: &Method, path: &str) -> bool {
    matches!(
        (method.as_str(), path),
        ("GET", "/account") | ("POST", "/account/password") | ("POST", "/logout")
    )
}

/// The link's token, from `/vendor/{token}/...`.
pub fn vendor_token(path: &str) -> &str {
    path.strip_prefix("/vendor/")
        .map_or("", |rest| rest.split('/').next().unwrap_or(""))
}

/// The CSRF token of a vendor link's forms: derived from the link's token, so only a page
/// served for the link can carry it, and no session is needed.
pub fn vendor_csrf(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(b"sentei vendor form\0")
        .chain_update(token.as_bytes())
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Vendor link routes: the link must be valid now; its forms carry the link's CSRF token.
async fn vendor_gate(state: &AppState, mut request: Request, next: Next) -> Response {
    let token = vendor_token(request.uri().path()).to_owned();
    let access = match state.store.vendor_access(&token).await {
        Ok(access) => access,
        Err(error) => return refuse(Surface::Page, error.into()),
    };
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Err(error) = same_site(state, request.headers()) {
            return refuse(Surface::Page, error);
        }
        request = match checked_csrf(request, &vendor_csrf(&token)).await {
            Ok(request) => request,
            Err(error) => return refuse(Surface::Page, error),
        };
    }
    request.extensions_mut().insert(access);
    next.run(request).await
}

fn refuse(surface: Surface, error: AppError) -> Response {
    match surface {
        Surface::Page => PageError(error).into_response(),
        Surface::Api => ApiError(error).into_response(),
    }
}

fn login_url(request: &Request) -> String {
    let path = request.uri().path();
    if path == "/" || path.starts_with("/login") {
        "/login".to_owned()
    } else {
        format!("/login?next={}", encode_query(path))
    }
}

/// Percent-encodes a path for a query parameter.
pub fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of a cookie in the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

async fn page_user(state: &AppState, headers: &HeaderMap) -> Result<Option<Signed>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session(token).await?.map(|session| Signed {
        actor: session.actor.clone(),
        session: Some(session),
        unread: 0,
    }))
}

async fn api_user(state: &AppState, headers: &HeaderMap) -> Result<Option<Signed>, AppError> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Some(token) = value.strip_prefix("Bearer ") else {
        return Err(AppError::BadRequest(
            "Authorization は Bearer トークンで指定してください".to_owned(),
        ));
    };
    match state.store.token_actor(token.trim()).await? {
        Some(actor) => Ok(Some(Signed {
            actor,
            session: None,
            unread: 0,
        })),
        None => Err(AppError::Unauthorized),
    }
}

/// Refuses state-changing requests that browsers say come from another site.
pub fn same_site(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let refused = || AppError::Forbidden("ほかのサイトからの送信は受け付けません".to_owned());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refused());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let expected = match &state.config.public_origin {
            Some(origin) => origin.clone(),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let scheme = if state.config.secure_cookies {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{host}")
            }
        };
        if origin != expected {
            return Err(refused());
        }
    }
    Ok(())
}

/// Checks the CSRF token, from the `X-CSRF-Token` header (htmx), the `csrf` query parameter
/// (multipart forms) or the `csrf` field of a URL-encoded form; gives back the request intact.
async fn checked_csrf(request: Request, expected: &str) -> Result<Request, AppError> {
    let missing = || {
        AppError::Forbidden(
            "送信の確認用の値が正しくありません。ページを読み込み直してください".to_owned(),
        )
    };
    if let Some(token) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if equal(token, expected) {
            Ok(request)
        } else {
            Err(missing())
        };
    }
    if let Some(token) = request.uri().query().and_then(|q| form_value(q, "csrf")) {
        return if equal(&token, expected) {
            Ok(request)
        } else {
            Err(missing())
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(missing());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest("送信された内容が大きすぎます".to_owned()))?;
    let token = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|body| form_value(body, "csrf"));
    match token {
        Some(token) if equal(&token, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(missing()),
    }
}

/// A value of a URL-encoded form or query.
pub fn form_value(encoded: &str, name: &str) -> Option<String> {
    encoded.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| decode(value))
    })
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Constant-time comparison of tokens.
pub fn equal(a: &str, b: &str) -> bool {
    !b.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A `Set-Cookie` value for the session.
pub fn session_cookie(token: &str, secure: bool, max_age: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode_percent_and_plus() {
        assert_eq!(
            form_value("a=1&csrf=ab%2Bc+d", "csrf").as_deref(),
            Some("ab+c d")
        );
        assert_eq!(form_value("a=1", "csrf"), None);
        assert_eq!(decode("%E4%BE%8B"), "例");
        assert_eq!(decode("%zz"), "%zz");
    }

    #[test]
    fn tokens_compare_only_when_equal_and_present() {
        assert!(equal("abc", "abc"));
        assert!(!equal("abd", "abc"));
        assert!(!equal("", ""));
        assert!(!equal("ab", "abc"));
    }

    #[test]
    fn session_cookies_are_strict_and_http_only() {
        let cookie = session_cookie("t", true, 60);
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && cookie.ends_with("; Secure")
        );
        assert!(!session_cookie("t", false, 60).contains("Secure"));
    }
}
