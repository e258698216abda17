//! The browser-facing requirements of OWASP ASVS 5.0 level 2 that are one header or one
//! attribute each (chapter V3 web frontend, V14.3 data in the browser), checked on every kind
//! of response: pages signed in and not, the API, refusals, downloads. docs/security.md names
//! these tests in its walk through the chapters.

use axum::http::header;
use sentei_core::workflow::UserRole;

use crate::harness::{Reply, Web};

/// Responses of every kind: a signed-in page, the sign-in page, an API answer, an API
/// refusal, an unknown page, a page refused to a role, an evidence download.
async fn responses(web: &Web) -> Vec<(String, Reply)> {
    let mut out = Vec::new();
    for (role, path) in [
        (Some(UserRole::Applicant), "/services".to_owned()),
        (Some(UserRole::Auditor), "/audit".to_owned()),
        (None, "/login".to_owned()),
        (None, "/api/v1/services".to_owned()),
        (Some(UserRole::Applicant), "/api/v1/services".to_owned()),
        (None, "/no/such/page".to_owned()),
        (Some(UserRole::Applicant), "/users".to_owned()),
        (
            Some(UserRole::Applicant),
            format!(
                "/assessments/{}/attachments/{}",
                web.assessment, web.attachment
            ),
        ),
    ] {
        let reply = web.get(role, &path).await;
        out.push((format!("{role:?} {path} → {}", reply.status), reply));
    }
    out
}

// V3.4.3 / V3.4.6 (CSP with frame-ancestors), V3.4.4 (nosniff), V3.4.5 (Referrer-Policy) and
// V14.3.2 (no-store) on every response, refusals and downloads included.
#[tokio::test]
async fn asvs_3_4_every_response_carries_the_browser_policies() {
    let web = Web::new().await;
    for (what, reply) in responses(&web).await {
        let get = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{what}: no {name}"))
                .to_owned()
        };
        let csp = get("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{what}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{what}"
        );
        assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(get("x-frame-options"), "DENY", "{what}");
        assert_eq!(get("referrer-policy"), "same-origin", "{what}");
        let cache = get("cache-control");
        assert!(cache.contains("no-store"), "{what}: {cache}");
        // No cross-origin reading is ever allowed (V3.4.2): sentei sends no CORS headers.
        assert!(
            reply.headers.get("access-control-allow-origin").is_none(),
            "{what}"
        );
    }
}

// V3.4.1: over https, HSTS for a year and for the hosts under sentei's own name (level 2).
#[tokio::test]
async fn asvs_3_4_1_hsts_lasts_a_year_and_covers_subdomains() {
    let web = Web::with_config(sentei_web::WebConfig {
        secure_cookies: true,
        public_origin: Some("https://sentei.example.lg.jp".to_owned()),
        ..Default::default()
    })
    .await;
    for (what, reply) in responses(&web).await {
        let hsts = reply.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(hsts, "max-age=31536000; includeSubDomains", "{what}");
    }
}

// V4.1.1: every body says its type and, for text, its character set.
#[tokio::test]
async fn asvs_4_1_1_bodies_say_their_type_and_character_set() {
    let web = Web::new().await;
    for (what, reply) in responses(&web).await {
        let kind = reply.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(
            kind.contains("charset=utf-8")
                || kind.starts_with("application/json")
                || kind.starts_with("application/problem+json")
                || !kind.starts_with("text/"),
            "{what}: {kind}"
        );
    }
}

// V13.4.4: TRACE is not served.
#[tokio::test]
async fn asvs_13_4_4_trace_is_not_served() {
    let web = Web::new().await;
    let reply = web
        .send(
            axum::http::Request::builder()
                .method("TRACE")
                .uri("/login")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 405, "{}", reply.body);
    assert!(
        !reply.body.contains("TRACE /login"),
        "nothing is echoed back"
    );
}
