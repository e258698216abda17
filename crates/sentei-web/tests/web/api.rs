//! The JSON API doing real work: tokens made, used and revoked; a conditional application from
//! registration to the ledger; conflicts and bad input answered in the API's own error format.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;
use serde_json::{Value, json};

use crate::harness::{APPROVABLE_JSON, Reply, Web};

async fn call(web: &Web, token: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
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

/// A token made on the account page, as a person makes one (an API token cannot make one);
/// the page shows it once.
pub async fn page_token(web: &Web, role: UserRole, name: &str, scope: &str) -> String {
    let page = web
        .post(
            role,
            "/account/tokens",
            &format!("name={}&scope={scope}&days=30", crate::harness::enc(name)),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page.body.find("<p class=\"once\">").unwrap() + "<p class=\"once\">".len();
    let end = start + page.body[start..].find('<').unwrap();
    page.body[start..end].to_owned()
}

/// The id of the caller's token of this name.
async fn token_id(web: &Web, token: &str, name: &str) -> i64 {
    let listed = json_of(&call(web, token, "GET", "/api/v1/tokens", None).await);
    listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn tokens_are_made_used_and_revoked() {
    let web = Web::new().await;
    let first = web.token(UserRole::Auditor).await;
    let token = page_token(&web, UserRole::Auditor, "集計スクリプト", "read").await;
    assert!(token.len() >= 32, "tokens must be long enough not to guess");
    let me = call(&web, &token, "GET", "/api/v1/me", None).await;
    assert_eq!(json_of(&me)["login"], "watanabe");
    let listed = json_of(&call(&web, &token, "GET", "/api/v1/tokens", None).await);
    let listed = listed.as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|t| t["name"] == "集計スクリプト" && t["last_used_at"].is_string())
    );
    assert!(
        !listed.iter().any(|t| t.get("token").is_some()),
        "a token is shown only once"
    );
    let id = token_id(&web, &first, "集計スクリプト").await;
    let revoked = call(
        &web,
        &first,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(revoked.status, 200);
    let refused = call(&web, &token, "GET", "/api/v1/me", None).await;
    assert_eq!(refused.status, 401);
    // A page session cookie is not an API credential, nor a token a page credential.
    let (cookie, _) = web.session(UserRole::Auditor).await;
    let by_cookie = web
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_cookie.status, 401);
    let by_token = web
        .send(
            Request::get("/ledger")
                .header(header::AUTHORIZATION, format!("Bearer {first}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_token.status, 303);
}

#[tokio::test]
async fn one_users_tokens_cannot_be_revoked_by_another() {
    let web = Web::new().await;
    let mine = web.token(UserRole::Applicant).await;
    let made = page_token(&web, UserRole::Applicant, "x", "read_write").await;
    let id = token_id(&web, &mine, "x").await;
    let other = web.token(UserRole::Admin).await;
    let reply = call(
        &web,
        &other,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
    let still = call(&web, &made, "GET", "/api/v1/me", None).await;
    assert_eq!(still.status, 200);
}

#[tokio::test]
async fn malformed_credentials_are_refused_plainly() {
    let web = Web::new().await;
    for value in ["Basic dGFuYWthOng=", "Bearer ", "Bearer not-a-token"] {
        let reply = web
            .send(
                Request::get("/api/v1/me")
                    .header(header::AUTHORIZATION, value)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            matches!(reply.status, 400 | 401),
            "{value}: {}",
            reply.status
        );
        assert!(json_of(&reply)["error"].is_string());
    }
}

/// A sakai assessment with only ISMS certification: approvable once the CISO accepts.
const NEEDS_CISO: &str = r#"{
  "profile": "sakai",
  "service": { "name": "文書共有", "provider": "例示株式会社" },
  "facts": { "classification": "3C", "certifications": ["csp_iso27001", "csp_iso27017"], "connection": "government_cloud" },
  "answers": { "default": "met" }
}"#;

#[tokio::test]
async fn a_conditional_application_goes_from_registration_to_the_ledger() {
    let web = Web::new().await;
    let applicant = web.token(UserRole::Applicant).await;
    let approver = web.token(UserRole::Approver).await;
    let ciso = web.token(UserRole::Ciso).await;

    let service = call(
        &web,
        &applicant,
        "POST",
        "/api/v1/services",
        Some(json!({ "name": "文書共有", "provider": "例示株式会社" })),
    )
    .await;
    assert_eq!(service.status, 200, "{}", service.body);
    let service = json_of(&service)["id"].as_i64().unwrap();
    let document: Value = serde_json::from_str(NEEDS_CISO).unwrap();
    let assessment = call(
        &web,
        &applicant,
        "POST",
        &format!("/api/v1/services/{service}/assessments"),
        Some(document),
    )
    .await;
    assert_eq!(assessment.status, 200, "{}", assessment.body);
    let assessment = json_of(&assessment);
    assert_eq!(assessment["verdict"], "conditional");
    assert_eq!(
        assessment["judgement"]["required_approvals"],
        json!(["approver", "ciso"])
    );
    let assessment_id = assessment["id"].as_i64().unwrap();

    let application = call(
        &web,
        &applicant,
        "POST",
        "/api/v1/applications",
        Some(json!({
            "service_id": service, "assessment_id": assessment_id, "purpose": "庁内文書の共有",
            "user_scope": "全庁", "period_start": "2026-12-01", "period_end": "2027-11-30",
        })),
    )
    .await;
    assert_eq!(application.status, 200, "{}", application.body);
    let id = json_of(&application)["id"].as_i64().unwrap();
    let act = |token: String, body: Value| {
        let web = &web;
        async move {
            call(
                web,
                &token,
                "POST",
                &format!("/api/v1/applications/{id}/actions"),
                Some(body),
            )
            .await
        }
    };
    for action in ["start_pre_consultation", "submit"] {
        let reply = act(applicant.clone(), json!({ "action": action })).await;
        assert_eq!(reply.status, 200, "{action}: {}", reply.body);
    }
    // Approving before the CISO has accepted is refused, with the rule named.
    let early = act(
        approver.clone(),
        json!({ "action": "approve", "seen_assessment_version": 1 }),
    )
    .await;
    assert_eq!(early.status, 422, "{}", early.body);
    let error = json_of(&early)["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("例外の承認") && error.contains("まだ記録されていません"),
        "{error}"
    );

    let detail = json_of(
        &call(
            &web,
            &ciso,
            "GET",
            &format!("/api/v1/applications/{id}"),
            None,
        )
        .await,
    );
    assert_eq!(detail["may_accept"], "ciso");
    let accepted = call(
        &web,
        &ciso,
        "POST",
        &format!("/api/v1/applications/{id}/acceptances"),
        Some(json!({ "reason": "ISMS の範囲に文書共有が含まれることを確認した" })),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let accepted = json_of(&accepted);
    assert_eq!(accepted["acceptances"].as_array().unwrap().len(), 1);
    // The approver accepts too: both acceptances the judgement names are needed.
    let accepted = call(
        &web,
        &approver,
        "POST",
        &format!("/api/v1/applications/{id}/acceptances"),
        Some(json!({ "reason": "保存先が国内であることを契約書で確認した" })),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        json_of(&accepted)["acceptances"].as_array().unwrap().len(),
        2
    );
    let approved = act(
        approver.clone(),
        json!({ "action": "approve", "seen_assessment_version": 1 }),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(json_of(&approved)["status"], "approved");

    let ledger = json_of(&call(&web, &applicant, "GET", "/api/v1/ledger", None).await);
    let entry = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["application_id"] == id)
        .unwrap();
    assert_eq!(entry["status"], "active");
    assert_eq!(entry["verdict"], "conditional");
    let audit = json_of(
        &call(
            &web,
            &web.token(UserRole::Auditor).await,
            "GET",
            "/api/v1/audit/verify",
            None,
        )
        .await,
    );
    assert_eq!(audit["ok"], true, "{audit}");
}

#[tokio::test]
async fn saving_over_a_newer_version_is_a_conflict() {
    let web = Web::new().await;
    let applicant = web.token(UserRole::Applicant).await;
    let created = call(
        &web,
        &applicant,
        "POST",
        &format!("/api/v1/services/{}/assessments", web.service),
        Some(serde_json::from_str(APPROVABLE_JSON).unwrap()),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let fresh = json_of(&created);
    let path = format!("/api/v1/assessments/{}", fresh["id"]);
    let body_for = |classification: &str| {
        let mut document = fresh["document"].clone();
        document["facts"]["classification"] = json!(classification);
        json!({ "version": fresh["version"], "document": document })
    };
    let first = call(&web, &applicant, "PUT", &path, Some(body_for("3"))).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(json_of(&first)["version"], 2);
    // A second save from version 1 has not seen the first one.
    let second = call(&web, &applicant, "PUT", &path, Some(body_for("2"))).await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(json_of(&second)["error"].is_string());
    let stored = json_of(&call(&web, &applicant, "GET", &path, None).await);
    assert_eq!(stored["version"], 2);
    assert_eq!(
        stored["document"]["facts"]["classification"], "3",
        "the conflicting save must change nothing"
    );
}

#[tokio::test]
async fn bad_bodies_get_a_json_error_that_says_what_is_wrong() {
    let web = Web::new().await;
    let token = web.token(UserRole::Applicant).await;
    let send = |body: &'static str, content_type: &'static str| {
        let web = &web;
        let token = token.clone();
        async move {
            web.send(
                Request::post("/api/v1/services")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let missing = send(r#"{"name": "x"}"#, "application/json").await;
    assert_eq!(missing.status, 422);
    assert!(
        json_of(&missing)["error"]
            .as_str()
            .unwrap()
            .contains("provider"),
        "{}",
        missing.body
    );
    let broken = send(r#"{"name": "#, "application/json").await;
    assert_eq!(broken.status, 400);
    assert!(
        json_of(&broken)["error"]
            .as_str()
            .unwrap()
            .starts_with("JSON の内容が正しくありません")
    );
    let wrong_type = send("name=x", "application/x-www-form-urlencoded").await;
    assert_eq!(wrong_type.status, 400);
    assert!(
        json_of(&wrong_type)["error"]
            .as_str()
            .unwrap()
            .contains("Content-Type")
    );
    let empty_name = send(r#"{"name": " ", "provider": "p"}"#, "application/json").await;
    assert_eq!(empty_name.status, 422, "{}", empty_name.body);
    // An assessment that breaks the contract names the problem.
    let judged = call(&web, &token, "POST", "/api/v1/judge", Some(json!({ "profile": "sakai", "service": { "name": "x", "provider": "y" }, "facts": { "classification": "9" } }))).await;
    assert_eq!(judged.status, 422);
    assert!(
        json_of(&judged)["error"]
            .as_str()
            .unwrap()
            .contains("classification"),
        "{}",
        judged.body
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_they_are_read() {
    let web = Web::new().await;
    let token = web.token(UserRole::Applicant).await;
    let huge = format!(
        "{{\"name\": \"{}\", \"provider\": \"p\"}}",
        "あ".repeat(sentei_web::MAX_BODY_BYTES / 3 + 10)
    );
    let reply = web
        .send(
            Request::post("/api/v1/services")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 413);
    assert!(
        json_of(&reply)["error"]
            .as_str()
            .unwrap()
            .contains("大きすぎます")
    );
}

#[tokio::test]
async fn the_judge_endpoint_answers_with_the_contracts_judgement() {
    let web = Web::new().await;
    let token = web.token(UserRole::Auditor).await;
    let document: Value = serde_json::from_str(NEEDS_CISO).unwrap();
    let reply = call(&web, &token, "POST", "/api/v1/judge", Some(document)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let judgement = json_of(&reply);
    // Same answer as the core judges it.
    let assessment = web.catalog.parse_assessment(NEEDS_CISO).unwrap();
    let expected = sentei_core::judge(web.catalog.get("sakai").unwrap(), &assessment);
    assert_eq!(judgement, serde_json::to_value(&expected).unwrap());
    assert_eq!(judgement["verdict"], "conditional");
}
