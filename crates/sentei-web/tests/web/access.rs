//! Role × route: every route, tried by every role and by nobody, against a table written out
//! here. A route added without a line in this table fails the test.

use axum::body::Body;
use axum::http::{Method, Request, header};
use sentei_core::workflow::UserRole;
use sentei_web::routes::RouteSpec;

use crate::harness::{Reply, Web};

/// Who may use each route: `*` anyone (signed in or not), `v` whoever holds a valid vendor
/// link (signed in or not), otherwise the roles by letter:
/// a 申請者, p 承認者, c CISO, u 監査担当, d 管理者.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/login", "*"),
    ("POST", "/login", "*"),
    ("POST", "/logout", "apcud"),
    ("GET", "/", "apcud"),
    ("GET", "/account", "apcud"),
    ("POST", "/account/password", "apcud"),
    ("POST", "/account/tokens", "apcud"),
    ("POST", "/account/tokens/{id}/revoke", "apcud"),
    ("GET", "/notifications", "apcud"),
    ("POST", "/notifications/read-all", "apcud"),
    ("POST", "/notifications/{id}/read", "apcud"),
    ("POST", "/notifications/mail", "apcud"),
    ("GET", "/services", "apcud"),
    ("GET", "/services/new", "a"),
    ("POST", "/services", "a"),
    ("GET", "/services/{id}", "apcud"),
    ("POST", "/services/{id}/delete", "ad"),
    ("POST", "/services/{id}/assessments", "a"),
    ("GET", "/assessments/{id}", "apcud"),
    ("POST", "/assessments/{id}", "a"),
    ("POST", "/assessments/{id}/fill", "a"),
    ("POST", "/assessments/{id}/preview", "apcud"),
    ("POST", "/assessments/{id}/attachments", "a"),
    ("GET", "/assessments/{id}/attachments/{attachment}", "apcud"),
    (
        "POST",
        "/assessments/{id}/attachments/{attachment}/remove",
        "a",
    ),
    ("POST", "/assessments/{id}/vendor-links", "a"),
    ("POST", "/vendor-links/{id}/revoke", "a"),
    ("GET", "/vendor/{token}", "v"),
    ("POST", "/vendor/{token}", "v"),
    ("GET", "/vendor/{token}/sheet.xlsx", "v"),
    ("POST", "/vendor/{token}/sheet", "v"),
    ("POST", "/vendor/{token}/sheet/apply", "v"),
    ("POST", "/vendor/{token}/attachments", "v"),
    ("GET", "/vendor/{token}/attachments/{attachment}", "v"),
    ("GET", "/assessments/{id}/sheet.xlsx", "apcud"),
    ("POST", "/assessments/{id}/sheet", "a"),
    ("POST", "/assessments/{id}/sheet/apply", "a"),
    ("GET", "/applications", "apcud"),
    ("POST", "/applications", "a"),
    ("GET", "/applications/{id}", "apcud"),
    ("GET", "/applications/{id}/report", "apcud"),
    ("GET", "/applications/{id}/changes", "apcud"),
    ("POST", "/applications/{id}/act", "ap"),
    ("POST", "/applications/{id}/delete", "ad"),
    ("POST", "/applications/{id}/accept", "pc"),
    ("GET", "/ledger", "apcud"),
    ("GET", "/ledger.csv", "apcud"),
    ("GET", "/ledger.xlsx", "apcud"),
    ("GET", "/ledger/import", "p"),
    ("POST", "/ledger/import", "p"),
    ("POST", "/ledger/import/apply", "p"),
    ("GET", "/ledger/{id}", "apcud"),
    ("POST", "/ledger/{id}/applications", "a"),
    ("POST", "/ledger/{id}/extend", "p"),
    ("POST", "/ledger/{id}/change", "p"),
    ("POST", "/ledger/{id}/abolish", "p"),
    ("GET", "/profiles", "apcud"),
    ("GET", "/profiles/{id}", "apcud"),
    ("GET", "/audit", "ud"),
    ("GET", "/audit/verify", "ud"),
    ("GET", "/audit.csv", "ud"),
    ("GET", "/users", "d"),
    ("POST", "/users", "d"),
    ("POST", "/users/{login}/role", "d"),
    ("POST", "/users/{login}/password", "d"),
    ("GET", "/users.csv", "d"),
    ("GET", "/users/{login}", "d"),
    ("POST", "/users/{login}", "d"),
    ("POST", "/users/{login}/deactivate", "d"),
    ("POST", "/users/{login}/activate", "d"),
    ("POST", "/user-import", "d"),
    ("POST", "/user-import/apply", "d"),
    ("POST", "/organization", "d"),
    ("GET", "/static/{*path}", "*"),
    ("GET", "/api/v1/openapi.json", "*"),
    ("GET", "/api/v1/me", "apcud"),
    ("GET", "/api/v1/profiles", "apcud"),
    ("GET", "/api/v1/profiles/{id}", "apcud"),
    ("POST", "/api/v1/judge", "apcud"),
    ("GET", "/api/v1/services", "apcud"),
    ("POST", "/api/v1/services", "a"),
    ("GET", "/api/v1/services/{id}", "apcud"),
    ("POST", "/api/v1/services/{id}/assessments", "a"),
    ("GET", "/api/v1/assessments/{id}", "apcud"),
    ("PUT", "/api/v1/assessments/{id}", "a"),
    ("GET", "/api/v1/assessments/{id}/sheet.xlsx", "apcud"),
    ("POST", "/api/v1/assessments/{id}/sheet", "a"),
    ("GET", "/api/v1/assessments/{id}/attachments", "apcud"),
    ("POST", "/api/v1/assessments/{id}/attachments", "a"),
    (
        "GET",
        "/api/v1/assessments/{id}/attachments/{attachment}",
        "apcud",
    ),
    (
        "DELETE",
        "/api/v1/assessments/{id}/attachments/{attachment}",
        "a",
    ),
    ("GET", "/api/v1/assessments/{id}/vendor-links", "apcud"),
    ("POST", "/api/v1/assessments/{id}/vendor-links", "a"),
    ("POST", "/api/v1/vendor-links/{id}/revoke", "a"),
    ("GET", "/api/v1/applications", "apcud"),
    ("POST", "/api/v1/applications", "a"),
    ("GET", "/api/v1/applications/{id}", "apcud"),
    ("GET", "/api/v1/applications/{id}/report", "apcud"),
    ("GET", "/api/v1/applications/{id}/changes", "apcud"),
    ("POST", "/api/v1/applications/{id}/actions", "ap"),
    ("POST", "/api/v1/applications/{id}/acceptances", "pc"),
    ("GET", "/api/v1/ledger", "apcud"),
    ("POST", "/api/v1/ledger/import", "p"),
    ("GET", "/api/v1/ledger/{id}", "apcud"),
    ("POST", "/api/v1/ledger/{id}/extend", "p"),
    ("POST", "/api/v1/ledger/{id}/change", "p"),
    ("POST", "/api/v1/ledger/{id}/abolish", "p"),
    ("GET", "/api/v1/audit", "ud"),
    ("GET", "/api/v1/audit/verify", "ud"),
    ("GET", "/api/v1/dashboard", "apcud"),
    ("GET", "/api/v1/users", "d"),
    ("POST", "/api/v1/users", "d"),
    ("PUT", "/api/v1/users/{login}", "d"),
    ("POST", "/api/v1/users/{login}/role", "d"),
    ("POST", "/api/v1/users/{login}/deactivate", "d"),
    ("POST", "/api/v1/users/{login}/activate", "d"),
    ("POST", "/api/v1/users/import", "d"),
    ("GET", "/api/v1/organization", "apcud"),
    ("PUT", "/api/v1/organization", "d"),
    ("GET", "/api/v1/notifications", "apcud"),
    ("POST", "/api/v1/notifications/read-all", "apcud"),
    ("POST", "/api/v1/notifications/{id}/read", "apcud"),
    ("GET", "/api/v1/me/mail", "apcud"),
    ("PUT", "/api/v1/me/mail", "apcud"),
    ("GET", "/api/v1/tokens", "apcud"),
    ("DELETE", "/api/v1/tokens/{id}", "apcud"),
];

const ROLES: [(char, UserRole); 5] = [
    ('a', UserRole::Applicant),
    ('p', UserRole::Approver),
    ('c', UserRole::Ciso),
    ('u', UserRole::Auditor),
    ('d', UserRole::Admin),
];

pub(crate) fn specs(web: &Web) -> Vec<RouteSpec> {
    let state = sentei_web::AppState::new(
        web.store.clone(),
        web.catalog.clone(),
        sentei_web::WebConfig {
            secure_cookies: false,
            public_origin: None,
            ..Default::default()
        },
    );
    sentei_web::routes::build(state).1
}

#[tokio::test]
async fn the_table_lists_every_route_and_only_routes() {
    let web = Web::new().await;
    let registered: Vec<(String, &str)> = specs(&web)
        .iter()
        .map(|s| (s.method.to_string(), s.path))
        .collect();
    for (method, path) in &registered {
        assert!(
            EXPECTED.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is served but has no line in EXPECTED"
        );
    }
    for (method, path, _) in EXPECTED {
        assert!(
            registered.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is in EXPECTED but not served"
        );
    }
}

/// A concrete path for a route pattern, naming the fixture's records.
pub(crate) fn concrete(web: &Web, pattern: &str) -> String {
    let id = if pattern.contains("/services/") {
        web.service.to_string()
    } else if pattern.contains("/assessments/") {
        web.assessment.to_string()
    } else if pattern.contains("/applications/") {
        web.application.to_string()
    } else if pattern.contains("/ledger/") {
        web.ledger.to_string()
    } else if pattern.contains("/profiles/") {
        "city-checklist".to_owned()
    } else {
        "999".to_owned()
    };
    // Deactivating is tried on nobody, so that the fixture's users stay signed in.
    let login = if pattern.ends_with("/deactivate") {
        "nobody"
    } else {
        "tanaka"
    };
    pattern
        .replace("{id}", &id)
        // The matrix removes the staff's file on its way; the vendor's stays to be fetched.
        .replace(
            "{attachment}",
            &if pattern.starts_with("/vendor/") {
                web.vendor_attachment
            } else {
                web.attachment
            }
            .to_string(),
        )
        .replace("{login}", login)
        .replace("{token}", &web.vendor_token)
        .replace("{*path}", "style.css")
}

/// Sends the route as `role` (None: nobody) with an empty body: the gate decides before the
/// handler reads anything, so refused requests never reach it.
async fn try_route(web: &Web, method: &str, path: &str, role: Option<UserRole>) -> Reply {
    let api = path.starts_with("/api/");
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = Request::builder().method(method.clone()).uri(path);
    let mut body = String::new();
    if let Some(role) = role {
        if api {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", web.token(role).await),
            );
        } else {
            let (cookie, csrf) = web.session(role).await;
            request = request.header(header::COOKIE, cookie);
            if method != Method::GET {
                body = format!("csrf={csrf}");
            }
        }
    }
    // A vendor link's forms carry the link's token, whoever sends them.
    if let Some(token) = path.strip_prefix("/vendor/")
        && method != Method::GET
    {
        let token = token.split('/').next().unwrap();
        body = format!("csrf={}", sentei_web::vendor_csrf(token));
    }
    let content_type = if api {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    if method != Method::GET {
        request = request.header(header::CONTENT_TYPE, content_type);
        if api {
            body = "{}".to_owned();
        }
    }
    web.send(request.body(Body::from(body)).unwrap()).await
}

fn refused_by_gate(reply: &Reply) -> bool {
    reply.status == 403 && reply.body.contains("権限がありません")
}

fn sent_to_sign_in(reply: &Reply) -> bool {
    reply.status == 401
        || (reply.status == 303
            && reply
                .headers
                .get(header::LOCATION)
                .is_some_and(|l| l.to_str().unwrap().starts_with("/login")))
}

#[tokio::test]
async fn every_role_may_use_exactly_its_routes() {
    let web = Web::new().await;
    let mut wrong = Vec::new();
    for (method, pattern, who) in EXPECTED {
        let path = concrete(&web, pattern);
        for (letter, role) in ROLES {
            let allowed = matches!(*who, "*" | "v") || who.contains(letter);
            let reply = try_route(&web, method, &path, Some(role)).await;
            // A signed-in request the gate lets through reaches the handler: a page to read is
            // shown, a change is refused only for its (empty) content, never for who asked.
            let ok = if allowed {
                let shown = *method != "GET" || reply.status == 200;
                shown && !matches!(reply.status, 401 | 403)
            } else {
                refused_by_gate(&reply)
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} as {role:?}: {} (allowed: {allowed})",
                    reply.status
                ));
            }
        }
        let anonymous = try_route(&web, method, &path, None).await;
        let ok = if matches!(*who, "*" | "v") {
            !sent_to_sign_in(&anonymous)
        } else {
            sent_to_sign_in(&anonymous)
        };
        if !ok {
            wrong.push(format!("{method} {path} as nobody: {}", anonymous.status));
        }
    }
    assert!(
        wrong.is_empty(),
        "routes not guarded as the table says:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn pages_send_nobody_to_sign_in_and_the_api_answers_401() {
    let web = Web::new().await;
    let page = web.get(None, "/ledger").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.headers[header::LOCATION], "/login?next=/ledger");
    let api = web.get(None, "/api/v1/ledger").await;
    assert_eq!(api.status, 401);
    let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(body["error"], "ログインが必要です");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let web = Web::new().await;
    let reply = web.get(None, "/api/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let doc: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let api: Vec<RouteSpec> = specs(&web)
        .into_iter()
        .filter(|s| s.surface == sentei_web::Surface::Api)
        .collect();
    for spec in &api {
        let method = spec.method.as_str().to_lowercase();
        assert!(
            paths.get(spec.path).and_then(|p| p.get(&method)).is_some(),
            "{} {} is served but not in openapi.json",
            spec.method,
            spec.path
        );
    }
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            // A parameter is in the path exactly when the path names it; the rest are queries.
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                let expected = if in_path { "path" } else { "query" };
                assert_eq!(
                    parameter["in"], expected,
                    "{method} {path}: parameter {name} should be in the {expected}"
                );
            }
            assert!(
                api.iter()
                    .any(|s| s.path == path && s.method.as_str().eq_ignore_ascii_case(method)),
                "openapi.json describes {method} {path}, which is not served"
            );
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
