//! Issue 12: every finding of the outside security test, reproduced through the router as the
//! attack it was, and kept closed.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;
use serde_json::{Value, json};

use crate::harness::{Reply, Web, fresh_assessment};

async fn api(web: &Web, token: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    web.send(request.body(body).unwrap()).await
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body))
}

// Finding 1: any applicant saved any assessment of the organization (another department's,
// by the page or the API), and the approver could edit what it was about to review.
#[tokio::test]
async fn finding_1_departments_and_reviewers_cannot_edit_an_assessment() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let other = web
        .add_user("kobayashi", "税務課", UserRole::Applicant)
        .await;
    let form = "version=1&model=saas&f.classification=3";
    let refused = web
        .post_as(&other, &format!("/assessments/{id}"), form)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("この評価は情報政策課の評価です。編集できるのは情報政策課の情報セキュリティ管理者だけです"),
        "{}",
        refused.body
    );
    // Their editor is read-only and says why; they cannot issue a vendor link for it either.
    let (cookie, _) = web.session_of(&other).await;
    let page = web
        .send(
            Request::get(format!("/assessments/{id}"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("この評価は情報政策課の評価です"));
    assert!(!page.body.contains("<button>保存する</button>"));
    assert!(!page.body.contains("回答リンクを発行する"));
    let link = web
        .post_as(
            &other,
            &format!("/assessments/{id}/vendor-links"),
            "contact=x&days=14",
        )
        .await;
    assert_eq!(link.status, 403, "{}", link.body);

    // The API the same, through the same store call.
    let token = web
        .store
        .create_token(
            &other,
            &sentei_store::NewToken::new("tests", sentei_core::access::Scope::ReadWrite),
        )
        .await
        .unwrap()
        .0;
    let stored = web
        .store
        .assessment(web.actor(UserRole::Auditor), id)
        .await
        .unwrap();
    let mut document = stored.document.clone();
    document["facts"]["classification"] = json!("3");
    let body = json!({ "version": 1, "document": document });
    let path = format!("/api/v1/assessments/{id}");
    let refused = api(&web, &token, "PUT", &path, Some(body.clone())).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        json_of(&refused)["error"]
            .as_str()
            .unwrap()
            .contains("情報政策課の評価です")
    );
    // The approver reviews and does not author.
    let approver = web.token(UserRole::Approver).await;
    let refused = api(&web, &approver, "PUT", &path, Some(body.clone())).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = web
        .post(UserRole::Approver, &format!("/assessments/{id}"), form)
        .await;
    assert_eq!(refused.status, 403);

    let after = web
        .store
        .assessment(web.actor(UserRole::Auditor), id)
        .await
        .unwrap();
    assert_eq!(after.version, 1, "nothing was saved");
    // Its own department saves it.
    let own = web.token(UserRole::Applicant).await;
    let saved = api(&web, &own, "PUT", &path, Some(body)).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

/// The sign-in form's CSRF cookie and token.
async fn login_form(web: &Web, query: &str) -> (String, String, Reply) {
    let page = web.get(None, &format!("/login{query}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let set = page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let pair = set.split(';').next().unwrap().to_owned();
    let token = pair.split_once('=').unwrap().1.to_owned();
    (pair, token, page)
}

/// Posts the sign-in form; `extra` is appended to the form as it is (already encoded).
async fn sign_in(web: &Web, login: &str, password: &str, extra: &str) -> Reply {
    let (cookie, token, _) = login_form(web, "").await;
    web.send(
        Request::post("/login")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={token}&login={login}&password={}{extra}",
                crate::harness::enc(password)
            )))
            .unwrap(),
    )
    .await
}

// Finding 2: `next=/\t/evil.example` came back as the Location, which browsers resolve to
// another host; `\r` / `\n` in it were a 500 after the session had been made.
#[tokio::test]
async fn finding_2_sign_in_redirects_only_to_pages_of_this_site() {
    let web = Web::new().await;
    for hostile in [
        "%2F%09%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
        "%2F%0D%0ASet-Cookie%3A+x%3D1",
        "%2Fledger%0A",
        "https%3A%2F%2Fevil.example%2F",
        "%2F%E3%80%80%2Fevil.example",
        "%2Fapi%2Fv1%2Fme",
        "%2Fvendor%2Fsv_x",
    ] {
        let reply = sign_in(
            &web,
            "tanaka",
            crate::harness::PASSWORD,
            &format!("&next={hostile}"),
        )
        .await;
        assert_eq!(reply.status, 303, "{hostile}: {}", reply.body);
        assert_eq!(reply.headers[header::LOCATION], "/", "{hostile}");
        // The form itself never carries it forward either.
        let (_, _, page) = login_form(&web, &format!("?next={hostile}")).await;
        assert!(page.body.contains(r#"name="next" value="/""#), "{hostile}");
    }
    let path = format!("/services/{}", web.service);
    let reply = sign_in(
        &web,
        "tanaka",
        crate::harness::PASSWORD,
        &format!("&next={path}"),
    )
    .await;
    assert_eq!(reply.headers[header::LOCATION], path.as_str());
}

// Finding 3: a 1 MB login name was stored and shown back; every form field is now bounded
// before anything stores or shows it.
#[tokio::test]
async fn finding_3_long_names_and_fields_are_refused_before_use() {
    let web = Web::new().await;
    let huge = "a".repeat(1_000_000);
    let reply = sign_in(&web, &huge, "x", "").await;
    assert_eq!(
        reply.status,
        413,
        "{}",
        &reply.body[..200.min(reply.body.len())]
    );
    assert!(reply.body.contains("送信された内容が大きすぎます"));
    assert!(reply.body.len() < 10_000);
    // Under the form's limit, a name nobody can have is refused like a wrong password, and
    // not shown back.
    let long = "a".repeat(2_000);
    let reply = sign_in(&web, &long, "x", "").await;
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("ログイン名またはパスワードが違います"));
    assert!(!reply.body.contains(&"a".repeat(100)));
    // Any other form: no field longer than the longest text kept.
    let description = "あ".repeat(20_001);
    let reply = web
        .post(
            UserRole::Applicant,
            "/services",
            &format!(
                "name=x&provider=y&description={}",
                crate::harness::enc(&description)
            ),
        )
        .await;
    assert_eq!(
        reply.status,
        413,
        "{}",
        &reply.body[..200.min(reply.body.len())]
    );
    assert!(reply.body.contains("1 つの欄は 20000 文字まで"));
}

// Finding 6: after an administrator's reset, the user's old session and API tokens kept
// working; a change of one's own password now offers to end the tokens too.
#[tokio::test]
async fn finding_6_a_password_reset_signs_the_user_out_everywhere() {
    let web = Web::new().await;
    let (cookie, _) = web.session(UserRole::Approver).await;
    let token = web.token(UserRole::Approver).await;
    let page = |cookie: String| {
        web.send(
            Request::get("/ledger")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(page(cookie.clone()).await.status, 200);
    assert_eq!(
        api(&web, &token, "GET", "/api/v1/me", None).await.status,
        200
    );
    let reset = web
        .post(UserRole::Admin, "/users/suzuki/password", "")
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(
        reset
            .body
            .contains("ログインと API トークンは、すべて無効にしました")
    );
    let after = page(cookie).await;
    assert_eq!(after.status, 303);
    assert!(
        after.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(
        api(&web, &token, "GET", "/api/v1/me", None).await.status,
        401
    );

    // One's own change: this session goes on; the tokens end when asked.
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let token = web.token(UserRole::Applicant).await;
    let changed = web
        .send(
            Request::post("/account/password")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&current={}&new=a+brand+new+password&end_tokens=1",
                    crate::harness::enc(crate::harness::PASSWORD)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(page(cookie).await.status, 200);
    assert_eq!(
        api(&web, &token, "GET", "/api/v1/me", None).await.status,
        401
    );
}

/// A sign-in attempt as it arrives from `peer`, with `X-Forwarded-For` values if any.
async fn sign_in_from(web: &Web, peer: &str, forwarded: &[&str], login: &str) -> Reply {
    let (cookie, token, _) = login_form(web, "").await;
    let mut request = Request::post("/login")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for value in forwarded {
        request = request.header("x-forwarded-for", *value);
    }
    let mut request = request
        .body(Body::from(format!("csrf={token}&login={login}&password=x")))
        .unwrap();
    let peer: std::net::SocketAddr = format!("{peer}:50000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    web.send(request).await
}

// Finding 7: 40 parallel wrong passwords got 31 real verifications against a limit of 5;
// 5 wrong passwords locked anyone out for 15 minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_7_parallel_guesses_are_verified_no_more_than_the_limit() {
    let web = Web::new().await;
    let (cookie, token, _) = login_form(&web, "").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let app = web.app.clone();
        let request = Request::post("/login")
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={token}&login=tanaka&password=wrong+password"
            )))
            .unwrap();
        tasks.spawn(async move {
            use tower::ServiceExt;
            app.oneshot(request).await.unwrap().status().as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    let verified = statuses.iter().filter(|s| **s == 401).count();
    let slowed = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((verified, slowed), (5, 35), "{statuses:?}");
    // The right password is asked to wait seconds, not a quarter of an hour.
    let reply = sign_in(&web, "tanaka", crate::harness::PASSWORD, "").await;
    assert_eq!(reply.status, 429);
    assert!(reply.body.contains("秒ほどおいてから"), "{}", reply.body);
}

// Finding 7: `X-Forwarded-For` is believed only from a configured proxy.
#[tokio::test]
async fn finding_7_forwarded_for_counts_only_from_trusted_proxies() {
    let web = Web::with_config(sentei_web::WebConfig {
        trusted_proxies: vec![sentei_web::TrustedProxy::parse("10.0.0.0/8").unwrap()],
        ..Default::default()
    })
    .await;
    let free = sentei_core::throttle::PER_ADDRESS.free;
    // Names nobody has: counted against the address only, and quickly refused.
    for n in 0..free {
        let reply = sign_in_from(&web, "10.0.0.1", &["203.0.113.1"], &format!("no-{n}")).await;
        assert_eq!(reply.status, 401, "attempt {n}");
    }
    let slowed = sign_in_from(&web, "10.0.0.1", &["203.0.113.1"], "no-x").await;
    assert_eq!(slowed.status, 429);
    // Another client behind the same proxy is not slowed down by the first.
    let other = sign_in_from(&web, "10.0.0.1", &["203.0.113.2"], "no-y").await;
    assert_eq!(other.status, 401);
    // A stranger's header is not believed: inventing addresses does not help it.
    for n in 0..free {
        let reply = sign_in_from(
            &web,
            "192.0.2.7",
            &[&format!("198.51.100.{n}")],
            &format!("no-z{n}"),
        )
        .await;
        assert_eq!(reply.status, 401, "attempt {n}");
    }
    let slowed = sign_in_from(&web, "192.0.2.7", &["198.51.100.200"], "no-zz").await;
    assert_eq!(slowed.status, 429);
}

// Finding 8: huge page numbers dropped the connection; values that do not parse were answered
// in the framework's English; a panic anywhere now answers a Japanese 500 with a request id.
#[tokio::test]
async fn finding_8_huge_or_bad_numbers_are_clamped_or_refused_in_japanese() {
    let web = Web::new().await;
    let huge = "18446744073709551615";
    for path in [
        format!("/ledger?page={huge}"),
        format!("/services?page={huge}"),
        format!("/applications?page={huge}"),
        format!("/audit?page={huge}"),
    ] {
        let reply = web.get(Some(UserRole::Auditor), &path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    let token = web.token(UserRole::Auditor).await;
    for path in [
        format!("/api/v1/ledger?page={huge}&page_size={huge}"),
        format!("/api/v1/services?page={huge}"),
        format!("/api/v1/applications?page={huge}"),
        format!("/api/v1/audit?page={huge}"),
    ] {
        let reply = api(&web, &token, "GET", &path, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    // Past u64, or not a number: refused, in Japanese, in the page's layout or as a problem.
    let reply = web
        .get(
            Some(UserRole::Auditor),
            "/ledger?page=99999999999999999999999",
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("読み取れない値があります"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("<header class=\"top\">"),
        "in the layout"
    );
    let reply = api(&web, &token, "GET", "/api/v1/ledger?page=abc", None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem = json_of(&reply);
    assert_eq!(problem["status"], 400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("読み取れない値")
    );
    assert_eq!(
        problem["request_id"],
        reply.headers["x-request-id"].to_str().unwrap()
    );
    let reply = web
        .get(Some(UserRole::Auditor), "/services/not-a-number")
        .await;
    assert_eq!(reply.status, 400);
    assert!(!reply.body.contains("Invalid URL"), "{}", reply.body);
    let reply = web.get(Some(UserRole::Auditor), "/no/such/page").await;
    assert_eq!(reply.status, 404);
    assert!(reply.body.contains("お探しのページは見つかりません"));
}

#[tokio::test]
async fn finding_8_a_panic_is_a_japanese_500_with_the_request_id() {
    use tower::ServiceExt;
    #[allow(unreachable_code)] // the handler's whole point is the panic
    async fn boom() -> &'static str {
        panic!("a bug");
    }
    let app = sentei_web::guarded(
        axum::Router::new()
            .route("/boom", axum::routing::get(boom))
            .route("/api/v1/boom", axum::routing::get(boom)),
    );
    let page = app
        .clone()
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 500);
    let id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("処理中に問題が起きました"), "{body}");
    assert!(
        body.contains(&id),
        "the page shows the request id {id}: {body}"
    );
    assert!(!body.contains("a bug"));
    let problem = app
        .oneshot(Request::get("/api/v1/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(problem.status(), 500);
    assert_eq!(
        problem.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body = axum::body::to_bytes(problem.into_body(), 1 << 20)
        .await
        .unwrap();
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("処理中に問題が起きました")
    );
    assert!(problem["request_id"].is_string());
}

// Finding 9: a NUL in a service name was stored on SQLite and a 500 on PostgreSQL; control
// and reordering characters are refused at the boundary, by the page and the API alike.
#[tokio::test]
async fn finding_9_control_characters_are_refused_in_japanese() {
    let web = Web::new().await;
    for name in ["%E9%9B%BB%00", "%E2%80%AE%E5%8F%AF", "a%1B%5B31m"] {
        let reply = web
            .post(
                UserRole::Applicant,
                "/services",
                &format!("name={name}&provider=y"),
            )
            .await;
        assert_eq!(reply.status, 422, "{name}: {}", reply.body);
        assert!(reply.body.contains("は使えません"), "{}", reply.body);
    }
    let token = web.token(UserRole::Applicant).await;
    let reply = api(
        &web,
        &token,
        "POST",
        "/api/v1/services",
        Some(json!({ "name": "電子\u{0}申請", "provider": "例示", "description": "" })),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        json_of(&reply)["detail"]
            .as_str()
            .unwrap()
            .contains("制御文字（U+0000）")
    );
    let search = web
        .get(Some(UserRole::Auditor), "/services?search=%00")
        .await;
    assert_eq!(search.status, 422, "{}", search.body);
}

// Finding 10: the apply step took `file` and `place` from the form, so
// `../../本物の台帳.xlsx` and a 1 MB place were recorded. The preview is kept on the server,
// bound to whoever made it and to the file's digest; only its id comes back.
#[tokio::test]
async fn finding_10_a_ledger_import_registers_only_what_the_server_read() {
    let web = Web::new().await;
    let csv = "(ア) 外部サービスの名称,(イ) 外部サービス提供者の名称,(ウ) 利用目的,(エ) 取り扱う情報の格付,(オ) 利用期間,(カ) 利用申請者の所属,(カ) 利用申請者の氏名,(キ) 利用者の範囲\n日程調整,例示株式会社,会議の日程調整,機密性1,2026/4/1～2027/3/31,総務課,山田 太郎,全庁\n";
    let page = web
        .upload(
            UserRole::Approver,
            "/ledger/import",
            "ledger",
            "../../本物の台帳.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let preview = crate::harness::hidden(&page.body, "preview").unwrap();
    assert!(crate::harness::hidden(&page.body, "rows").is_none());
    assert!(crate::harness::hidden(&page.body, "file").is_none());
    // Someone else's session cannot use it, even another keeper of the ledger.
    let other = web.add_user("kato", "情報政策課", UserRole::Approver).await;
    let refused = web
        .post_as(
            &other,
            "/ledger/import/apply",
            &format!("preview={preview}"),
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    // Whatever else the form says is not read: a file name or places of the sender's choosing.
    let too_much = web
        .post(
            UserRole::Approver,
            "/ledger/import/apply",
            &format!("preview={preview}&place={}", "x".repeat(1_000_000)),
        )
        .await;
    assert_eq!(too_much.status, 413, "the form is an id, nothing more");
    let huge_place = "x".repeat(1_000);
    let applied = web
        .post(
            UserRole::Approver,
            "/ledger/import/apply",
            &format!("preview={preview}&file=..%2F..%2F%E5%81%BD.xlsx&place={huge_place}"),
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let auditor = web.actor(UserRole::Auditor);
    let found = web
        .store
        .ledger(
            auditor,
            &sentei_store::LedgerQuery {
                search: "日程調整".to_owned(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let history = web
        .store
        .ledger_history(auditor, found.items[0].id)
        .await
        .unwrap();
    let comment = &history[0].comment;
    assert!(
        comment.starts_with("本物の台帳.csv の 2行目 から取り込み（SHA-256 "),
        "{comment}"
    );
    assert!(!comment.contains("..") && !comment.contains("偽") && comment.len() < 200);
}

// Finding 14: a vendor link could answer items it does not show (a hand-made form).
#[tokio::test]
async fn finding_14_a_vendor_form_answers_only_the_items_shown() {
    let web = Web::new().await;
    let token = web.vendor_token.clone();
    let page = web.get(None, &format!("/vendor/{token}")).await;
    assert_eq!(page.status, 200);
    let profile = web.catalog.get("city-checklist").unwrap();
    let hidden = (0..profile.items.len())
        .find(|i| !page.body.contains(&format!("name=\"s.{i}\"")))
        .unwrap();
    let version = web
        .store
        .assessment(web.actor(UserRole::Auditor), web.assessment)
        .await
        .unwrap()
        .version;
    let csrf = sentei_web::vendor_csrf(&token);
    let reply = web
        .send(
            Request::post(format!("/vendor/{token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&version={version}&s.{hidden}=met&e.{hidden}=%E5%B7%AE%E3%81%97%E6%9B%BF%E3%81%88"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply.body.contains("ご依頼の項目だけに回答できます"),
        "{}",
        reply.body
    );
}

// Finding 11: with an https public URL, HSTS and `Secure` on every cookie, including the
// sign-in form's CSRF cookie.
#[tokio::test]
async fn finding_11_over_https_every_cookie_is_secure_and_hsts_is_sent() {
    let web = Web::with_config(sentei_web::WebConfig {
        secure_cookies: true,
        public_origin: Some("https://sentei.example.lg.jp".to_owned()),
        ..Default::default()
    })
    .await;
    let (_, _, form) = login_form(&web, "").await;
    let cookie = form.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("sentei_login_csrf=") && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    let signed = sign_in(&web, "tanaka", crate::harness::PASSWORD, "").await;
    assert!(
        signed.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    for path in ["/login", "/api/v1/openapi.json", "/no/such/page"] {
        let reply = web.get(None, path).await;
        assert_eq!(
            reply.headers[header::STRICT_TRANSPORT_SECURITY],
            sentei_web::STRICT_TRANSPORT_SECURITY,
            "{path}"
        );
    }
    // Over plain http (a test on one's own computer) there is nothing to pin.
    let plain = Web::new().await;
    let reply = plain.get(None, "/login").await;
    assert!(
        reply
            .headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    assert!(
        !reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}

// Finding 12: vendor-link URLs followed the request's `Host` when no public URL was set.
#[tokio::test]
async fn finding_12_vendor_links_use_the_public_url_only() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let made = web
        .send(
            Request::post(format!("/assessments/{id}/vendor-links"))
                .header(header::COOKIE, cookie)
                .header(header::HOST, "evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&contact=x&days=7")))
                .unwrap(),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(
        made.body
            .contains(&format!("{}/vendor/sv_", crate::harness::ORIGIN))
    );
    assert!(!made.body.contains("evil.example"));

    // Without a public URL: no link is made, and the refusal says how to set one.
    let unset = Web::with_config(sentei_web::WebConfig::default()).await;
    let id = fresh_assessment(&unset).await;
    let before = unset
        .store
        .vendor_links(unset.actor(UserRole::Auditor), id)
        .await
        .unwrap()
        .len();
    let refused = unset
        .post(
            UserRole::Applicant,
            &format!("/assessments/{id}/vendor-links"),
            "contact=x&days=7",
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("--public-url"), "{}", refused.body);
    let token = unset.token(UserRole::Applicant).await;
    let refused = api(
        &unset,
        &token,
        "POST",
        &format!("/api/v1/assessments/{id}/vendor-links"),
        Some(json!({ "contact": "x", "days": 7 })),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        json_of(&refused)["detail"]
            .as_str()
            .unwrap()
            .contains("--public-url")
    );
    let after = unset
        .store
        .vendor_links(unset.actor(UserRole::Auditor), id)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
    let editor = unset
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert!(editor.body.contains("--public-url") && !editor.body.contains("回答リンクを発行する"));
}

// Finding 13: tokens expire and have a scope; a token cannot make tokens; an administrator
// cannot change their own role.
#[tokio::test]
async fn finding_13_tokens_are_scoped_expire_and_make_no_tokens() {
    let web = Web::new().await;
    let read = crate::api::page_token(&web, UserRole::Applicant, "集計", "read").await;
    let listed = json_of(&api(&web, &read, "GET", "/api/v1/tokens", None).await);
    let mine = &listed.as_array().unwrap()[0];
    assert_eq!(
        (mine["scope"].as_str(), mine["active"].as_bool()),
        (Some("read"), Some(true))
    );
    assert!(mine["expires_at"].is_string());
    assert_eq!(
        api(&web, &read, "GET", "/api/v1/services", None)
            .await
            .status,
        200
    );
    let refused = api(
        &web,
        &read,
        "POST",
        "/api/v1/services",
        Some(json!({ "name": "x", "provider": "y", "description": "" })),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    // A token cannot make a token: the API has no such route, the account page is for people.
    let write = web.token(UserRole::Applicant).await;
    let refused = api(
        &web,
        &write,
        "POST",
        "/api/v1/tokens",
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_eq!(refused.status, 405, "{}", refused.body);
    assert_eq!(
        refused.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    // The account page refuses a lifetime past the configured limit.
    let limited = Web::with_config(sentei_web::WebConfig {
        public_origin: Some(crate::harness::ORIGIN.to_owned()),
        max_token_days: 30,
        ..Default::default()
    })
    .await;
    let refused = limited
        .post(
            UserRole::Applicant,
            "/account/tokens",
            "name=x&scope=read&days=31",
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("1〜30 日"), "{}", refused.body);
    // An administrator does not change their own role.
    let refused = web
        .post(UserRole::Admin, "/users/yamamoto/role", "role=approver")
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("自分の役割は変更できません"));
}

// Finding 16: the first administrator's password is generated and shown once; until it is
// changed, the account page is the only page, and no API token can be made.
#[tokio::test]
async fn finding_16_a_generated_password_is_changed_before_anything_else() {
    let web = Web::new().await;
    web.add_user("first-admin", "情報政策課", UserRole::Admin)
        .await;
    web.store
        .require_password_change(web.actor(UserRole::Admin), "first-admin")
        .await
        .unwrap();
    let first = web
        .store
        .authenticate("first-admin", crate::harness::PASSWORD)
        .await
        .unwrap()
        .unwrap();
    assert!(first.password_change_due());
    for path in ["/", "/services", "/users", "/ledger"] {
        let sent = web.get_as(&first, path).await;
        assert_eq!(sent.status, 303, "{path}");
        assert_eq!(sent.headers[header::LOCATION], "/account", "{path}");
    }
    let account = web.get_as(&first, "/account").await;
    assert_eq!(account.status, 200);
    assert!(
        account
            .body
            .contains("初期パスワードを、ご自分で決めたパスワードに変更してください")
    );
    assert!(!account.body.contains("トークンを作る"));
    let refused = web
        .post_as(&first, "/account/tokens", "name=x&scope=read&days=30")
        .await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.headers[header::LOCATION], "/account");
    let refused = web
        .store
        .create_token(
            &first,
            &sentei_store::NewToken::new("x", sentei_core::access::Scope::ReadOnly),
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("初期パスワードを変更するまで"),
        "{refused}"
    );
    // Changing it on the account page opens everything else.
    let changed = web
        .post_as(
            &first,
            "/account/password",
            &format!(
                "current={}&new=a-password-of-my-own",
                crate::harness::PASSWORD
            ),
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let after = web
        .store
        .authenticate("first-admin", "a-password-of-my-own")
        .await
        .unwrap()
        .unwrap();
    assert!(!after.password_change_due());
    assert_eq!(web.get_as(&after, "/users").await.status, 200);
    // No one else is asked: the users made by an administrator sign in as before.
    assert!(!web.actor(UserRole::Applicant).password_change_due());
}
