//! The protections every page has: CSRF tokens and same-site checks on every change, cookies
//! scripts cannot read, a strict Content-Security-Policy, escaped output, sign-in throttling,
//! and one municipality never seeing another's records.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;
use sentei_store::NewUser;
use sentei_web::WebConfig;

use crate::harness::{PASSWORD, Reply, Web};

/// A service form posted with the given extra headers and body.
async fn post_service(web: &Web, headers: &[(&str, &str)], body: &str) -> Reply {
    let (cookie, _) = web.session(UserRole::Applicant).await;
    let mut request = Request::post("/services")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    web.send(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

async fn service_count(web: &Web) -> usize {
    let actor = web.actor(UserRole::Applicant);
    web.store
        .services(actor, &Default::default())
        .await
        .unwrap()
        .total as usize
}

#[tokio::test]
async fn changes_without_the_session_token_are_refused_and_change_nothing() {
    let web = Web::new().await;
    let before = service_count(&web).await;
    let form = "name=%E5%81%BD&provider=x";
    for (headers, body) in [
        (vec![], form.to_owned()),
        (vec![], format!("csrf=wrong&{form}")),
        (vec![("x-csrf-token", "wrong")], form.to_owned()),
    ] {
        let reply = post_service(&web, &headers, &body).await;
        assert_eq!(reply.status, 403, "{headers:?} {body}");
        assert!(reply.body.contains("送信の確認用の値が正しくありません"));
    }
    // Another user's token is not this session's token.
    let (_, others) = web.session(UserRole::Approver).await;
    let reply = post_service(&web, &[], &format!("csrf={others}&{form}")).await;
    assert_eq!(reply.status, 403);
    assert_eq!(service_count(&web).await, before);
}

#[tokio::test]
async fn the_token_is_accepted_from_the_form_or_the_htmx_header() {
    let web = Web::new().await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let reply = web
        .send(
            Request::post("/services")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-csrf-token", &csrf)
                .body(Body::from("name=A&provider=B"))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 303);
    let reply = web
        .post(UserRole::Applicant, "/services", "name=C&provider=D")
        .await;
    assert_eq!(reply.status, 303);
}

#[tokio::test]
async fn requests_from_other_sites_are_refused_even_with_the_token() {
    let web = Web::new().await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let before = service_count(&web).await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let reply = web
            .send(
                Request::post("/services")
                    .header(header::COOKIE, &cookie)
                    .header(header::HOST, "sentei.example.lg.jp")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(name, value)
                    .body(Body::from(format!("csrf={csrf}&name=A&provider=B")))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, 403, "{name}: {value}");
        assert!(
            reply
                .body
                .contains("ほかのサイトからの送信は受け付けません")
        );
    }
    // The same origin, as a browser sends it, is accepted.
    let reply = web
        .send(
            Request::post("/services")
                .header(header::COOKIE, &cookie)
                .header(header::HOST, "sentei.example.lg.jp")
                .header(header::ORIGIN, "http://sentei.example.lg.jp")
                .header("sec-fetch-site", "same-origin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&name=A&provider=B")))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(service_count(&web).await, before + 1);
}

#[tokio::test]
async fn a_configured_public_origin_is_the_only_one_accepted() {
    let web = Web::with_config(WebConfig {
        secure_cookies: true,
        public_origin: Some("https://sentei.example.lg.jp".to_owned()),
        ..Default::default()
    })
    .await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    for (origin, expected) in [
        ("https://sentei.example.lg.jp", 303),
        ("http://sentei.example.lg.jp", 403),
        ("https://sentei.example.lg.jp.evil.example", 403),
    ] {
        let reply = web
            .send(
                Request::post("/services")
                    .header(header::COOKIE, &cookie)
                    .header(header::ORIGIN, origin)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!("csrf={csrf}&name=A&provider=B")))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, expected, "{origin}");
    }
}

/// Opens the sign-in page and returns its token cookie (name=value).
async fn login_form(web: &Web) -> (String, String) {
    let page = web.get(None, "/login").await;
    assert_eq!(page.status, 200);
    let set = page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let pair = set.split(';').next().unwrap().to_owned();
    let token = pair.split_once('=').unwrap().1.to_owned();
    assert!(page.body.contains(&format!("value=\"{token}\"")));
    (pair, token)
}

pub(crate) async fn sign_in(web: &Web, login: &str, password: &str) -> Reply {
    let (cookie, token) = login_form(web).await;
    web.send(
        Request::post("/login")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={token}&login={login}&password={}&next=/ledger",
                password.replace(' ', "+")
            )))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn signing_in_sets_a_cookie_scripts_cannot_read() {
    let web = Web::new().await;
    let reply = sign_in(&web, "tanaka", PASSWORD).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.headers[header::LOCATION], "/ledger");
    let set = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("sentei_session="), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }
    assert!(
        !set.contains("Secure"),
        "plain http must not mark cookies Secure"
    );
    // The cookie signs the user in.
    let cookie = set.split(';').next().unwrap();
    let page = web
        .send(
            Request::get("/ledger")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("tanaka さん"));
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    let web = Web::with_config(WebConfig {
        secure_cookies: true,
        public_origin: Some("https://sentei.example.lg.jp".to_owned()),
        ..Default::default()
    })
    .await;
    let reply = sign_in(&web, "tanaka", PASSWORD).await;
    assert_eq!(reply.status, 303);
    assert!(
        reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test]
async fn sign_in_without_the_form_token_is_refused() {
    let web = Web::new().await;
    let reply = web
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf=abc&login=tanaka&password={PASSWORD}"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn repeated_failures_slow_the_account_down() {
    let web = Web::new().await;
    for attempt in 1..=5 {
        let reply = sign_in(&web, "tanaka", "wrong password").await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
        assert!(reply.body.contains("ログイン名またはパスワードが違います"));
    }
    // Now even the right password waits, and says why.
    let reply = sign_in(&web, "tanaka", PASSWORD).await;
    assert_eq!(reply.status, 429);
    assert!(reply.body.contains("ログインの失敗が続いたため"));
    assert!(
        reply
            .headers
            .get(header::SET_COOKIE)
            .is_none_or(|c| !c.to_str().unwrap().contains("sentei_session"))
    );
    // Other accounts are not blocked by it.
    assert_eq!(sign_in(&web, "suzuki", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let web = Web::new().await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let reply = web
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}")))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 303);
    assert!(
        reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = web
        .send(
            Request::get("/ledger")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(after.status, 303, "the old cookie must no longer sign in");
}

/// Every page a signed-in user can open, as (role, path).
fn pages(web: &Web) -> Vec<(UserRole, String)> {
    let mut pages: Vec<(UserRole, String)> = [
        "/",
        "/account",
        "/services",
        "/services/new",
        "/applications",
        "/ledger",
        "/profiles",
        "/profiles/sakai",
    ]
    .iter()
    .map(|p| (UserRole::Applicant, (*p).to_owned()))
    .collect();
    pages.push((UserRole::Applicant, format!("/services/{}", web.service)));
    pages.push((
        UserRole::Applicant,
        format!("/assessments/{}", web.assessment),
    ));
    pages.push((
        UserRole::Approver,
        format!("/applications/{}", web.application),
    ));
    pages.push((UserRole::Approver, format!("/ledger/{}", web.ledger)));
    pages.push((UserRole::Approver, "/ledger/import".to_owned()));
    pages.push((UserRole::Auditor, "/audit".to_owned()));
    pages.push((UserRole::Auditor, "/audit/verify".to_owned()));
    pages.push((UserRole::Admin, "/users".to_owned()));
    pages.push((UserRole::Admin, "/users/tanaka".to_owned()));
    pages.push((
        UserRole::Auditor,
        "/audit?actor=tanaka&action=service.create&from=2026-01-01".to_owned(),
    ));
    pages
}

#[tokio::test]
async fn pages_have_a_strict_policy_and_no_inline_script_or_style() {
    let web = Web::new().await;
    let mut pages = pages(&web);
    pages.push((UserRole::Applicant, "/login".to_owned()));
    for (role, path) in pages {
        let reply = web.get(Some(role), &path).await;
        assert_eq!(reply.status, 200, "{path}");
        let csp = reply.headers["content-security-policy"].to_str().unwrap();
        assert_eq!(csp, sentei_web::CONTENT_SECURITY_POLICY);
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(reply.headers["x-frame-options"], "DENY");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
        assert_eq!(reply.headers["cache-control"], "no-store");
        assert!(
            reply.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = &reply.body;
        for (at, _) in body.match_indices("<script") {
            let tag = &body[at..body[at..].find('>').unwrap() + at];
            assert!(
                tag.contains(" src=\"/static/"),
                "{path}: inline script {tag}"
            );
        }
        for forbidden in [
            " style=\"",
            "<style",
            " onclick=",
            " onload=",
            " onchange=",
            "javascript:",
        ] {
            assert!(!body.contains(forbidden), "{path} contains {forbidden}");
        }
        assert!(body.contains("<html lang=\"ja\">"), "{path}");
    }
}

#[tokio::test]
async fn every_form_that_changes_something_carries_the_csrf_token() {
    let web = Web::new().await;
    for (role, path) in pages(&web) {
        let (cookie, csrf) = web.session(role).await;
        let reply = web
            .send(
                Request::get(path.as_str())
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        for (at, _) in reply.body.match_indices("<form") {
            let form = &reply.body[at..at + reply.body[at..].find("</form>").unwrap()];
            if form.contains("method=\"post\"") {
                // A file upload (multipart) carries it in the action's query instead, where
                // the gate reads it without parsing the upload.
                let in_field = form.contains(&format!("name=\"csrf\" value=\"{csrf}\""));
                let in_action = form.contains("enctype=\"multipart/form-data\"")
                    && form.contains(&format!("?csrf={csrf}\""));
                assert!(
                    in_field || in_action,
                    "{path}: a form without the token:\n{form}"
                );
            }
        }
    }
}

#[tokio::test]
async fn what_users_type_is_shown_as_text_never_as_markup() {
    let web = Web::new().await;
    let hostile = "<script>alert(\"周南\")</script>&<b>太字</b>";
    let encoded: String = hostile.bytes().map(|b| format!("%{b:02X}")).collect();
    let reply = web
        .post(
            UserRole::Applicant,
            "/services",
            &format!("name={encoded}&provider=%E4%BE%8B'%22"),
        )
        .await;
    assert_eq!(reply.status, 303);
    let location = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
    let id = location
        .trim_start_matches("/services/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    for path in [format!("/services/{id}"), "/services".to_owned()] {
        let page = web.get(Some(UserRole::Approver), &path).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("<script>alert"),
            "{path} shows the script as markup"
        );
        assert!(!page.body.contains("<b>太字</b>"), "{path}");
        assert!(
            page.body.contains("&#60;script&#62;alert(&#34;周南&#34;)")
                || page.body.contains("&lt;script&gt;alert(&quot;周南&quot;)"),
            "{path}: the name is not shown escaped"
        );
    }
    // The API returns the text as it was typed: JSON is not HTML.
    let token = web.token(UserRole::Approver).await;
    let api = web
        .send(
            Request::get(format!("/api/v1/services/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(body["service"]["name"], hostile);
    assert_eq!(api.headers[header::CONTENT_TYPE], "application/json");
}

#[tokio::test]
async fn one_municipality_never_sees_another_ones_records() {
    let web = Web::new().await;
    web.store
        .create_organization("kudamatsu", "下松市")
        .await
        .unwrap();
    let operator = web.store.operator("kudamatsu").await.unwrap();
    let user = NewUser {
        login: "kato".to_owned(),
        display_name: "加藤".to_owned(),
        department: "総務課".to_owned(),
        role: UserRole::Approver,
        password: PASSWORD.to_owned(),
        email: String::new(),
    };
    web.store.add_user(&operator, user).await.unwrap();
    let other = web
        .store
        .authenticate("kato", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    let (token, session) = web.store.start_session(&other).await.unwrap();
    let cookie = format!("sentei_session={token}");
    let get = |path: String| {
        Request::get(path)
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap()
    };
    for path in [
        format!("/services/{}", web.service),
        format!("/assessments/{}", web.assessment),
        format!("/applications/{}", web.application),
        format!("/ledger/{}", web.ledger),
    ] {
        let reply = web.send(get(path.clone())).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("電子申請サービス"), "{path}");
    }
    for path in ["/services", "/ledger", "/applications", "/", "/ledger.csv"] {
        let reply = web.send(get(path.to_owned())).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            !reply.body.contains("電子申請サービス"),
            "{path} shows another municipality's service"
        );
    }
    // Nor can it change them.
    let reply = web
        .send(
            Request::post(format!("/ledger/{}/abolish", web.ledger))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={}&version=1&on=2026-12-01",
                    session.csrf_token
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 404);
    let entry = web
        .store
        .ledger_entry(web.actor(UserRole::Approver), web.ledger)
        .await
        .unwrap();
    assert!(!entry.abolished);
}
