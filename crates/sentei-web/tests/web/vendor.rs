//! Vendor answer links: made by staff, used without an account, confined to one assessment's
//! answers, revocable, and recorded in the audit trail.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::judgement::AnswerStatus;
use sentei_core::workflow::UserRole;

use crate::harness::{Reply, Web, enc, fresh_assessment};

/// A form posted as a vendor: no cookie, the link's own CSRF token.
async fn vendor_post(web: &Web, token: &str, path: &str, form: &str) -> Reply {
    let csrf = sentei_web::vendor_csrf(token);
    web.send(
        Request::post(format!("/vendor/{token}{path}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&{form}")))
            .unwrap(),
    )
    .await
}

/// The index of the first item a person answers in city-checklist.
fn answerable(web: &Web) -> usize {
    let profile = web.catalog.get("city-checklist").unwrap();
    (0..profile.items.len())
        .find(|&i| profile.items[i].certification.is_none() && !profile.items[i].is_derived())
        .unwrap()
}

#[tokio::test]
async fn a_vendor_answers_through_a_link_and_the_trail_says_so() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let made = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{id}/vendor-links"),
            &format!("contact={}&days=7", enc("例示株式会社 佐藤")),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let start = made.body.find("/vendor/sv_").unwrap() + "/vendor/".len();
    let token = {
        // sv_ followed by 64 hex digits.
        let rest = &made.body[start..];
        rest[..3 + 64].to_owned()
    };
    assert!(token.starts_with("sv_"), "{token}");

    // The vendor, signed in as nobody, sees the items to answer and nothing internal.
    let page = web.get(None, &format!("/vendor/{token}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let profile = web.catalog.get("city-checklist").unwrap();
    let index = answerable(&web);
    assert!(page.body.contains("例示株式会社 佐藤 様"));
    assert!(page.body.contains(&format!("name=\"s.{index}\"")));
    assert!(
        !page.body.contains("サービスと利用の事実"),
        "facts are not shown"
    );
    assert!(!page.body.contains("<nav"), "no staff navigation");

    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let form = format!(
        "version={}&s.{index}=unmet&r.{index}={}&e.{index}=",
        stored.version,
        enc("国内のデータセンターは来年度に対応予定です")
    );
    let saved = vendor_post(&web, &token, "", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let after = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let after = web
        .catalog
        .parse_assessment(&after.document.to_string())
        .unwrap();
    let answer = after.answer(index).unwrap();
    assert_eq!(answer.status, AnswerStatus::Unmet);
    assert_eq!(
        answer.reason.as_deref(),
        Some("国内のデータセンターは来年度に対応予定です")
    );
    // Nothing but that answer changed.
    let before = web
        .catalog
        .parse_assessment(&stored.document.to_string())
        .unwrap();
    assert_eq!(after.facts, before.facts);
    let changed = (0..profile.items.len())
        .filter(|&i| after.answer(i) != before.answer(i))
        .count();
    assert_eq!(changed, 1);

    // The trail names the link, and the staff see the link in the editor.
    let audit = web.get(Some(UserRole::Auditor), "/audit").await;
    assert!(audit.body.contains("vendor:"), "{}", audit.body);
    assert!(audit.body.contains("回答リンクを発行"));
    let editor = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert!(editor.body.contains("例示株式会社 佐藤"));
    assert!(editor.body.contains("有効"));

    // Revoked, the link is refused at once.
    let links = web
        .store
        .vendor_links(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let revoked = web
        .post(
            UserRole::Applicant,
            &format!("/vendor-links/{}/revoke", links[0].id),
            "",
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let refused = web.get(None, &format!("/vendor/{token}")).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("このリンクは使えません"));
}

#[tokio::test]
async fn a_link_reaches_answers_only_and_needs_its_own_form_token() {
    let web = Web::new().await;
    let token = web.vendor_token.clone();
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), web.assessment)
        .await
        .unwrap();

    // A document that also changes the facts is refused, and nothing is saved.
    let mut document = stored.document.clone();
    document["facts"]["classification"] = serde_json::json!("3");
    let form = format!(
        "version={}&document={}",
        stored.version,
        enc(&document.to_string())
    );
    let refused = vendor_post(&web, &token, "/sheet/apply", &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("回答（回答・理由・根拠）だけを変更できます")
    );

    // Without the link's form token, or from another site, a post is refused.
    let forged = web
        .send(
            Request::post(format!("/vendor/{token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf=0000&version={}", stored.version)))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, 403);
    let cross_site = web
        .send(
            Request::post(format!("/vendor/{token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(format!(
                    "csrf={}&version={}",
                    sentei_web::vendor_csrf(&token),
                    stored.version
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(cross_site.status, 403);

    // A made-up token gets the same answer as a revoked one.
    let guessed = web
        .get(None, &format!("/vendor/sv_{}", "0".repeat(64)))
        .await;
    assert_eq!(guessed.status, 403);
    assert!(guessed.body.contains("このリンクは使えません"));
    let after = web
        .store
        .assessment(web.actor(UserRole::Applicant), web.assessment)
        .await
        .unwrap();
    assert_eq!(after.version, stored.version);

    // The sheet downloads through the link.
    let sheet = web.get(None, &format!("/vendor/{token}/sheet.xlsx")).await;
    assert_eq!(sheet.status, 200);
    assert!(sheet.bytes.starts_with(b"PK"));
}
