//! Notifications in the app: the unread count in every page's header, the list, opening one
//! (which marks it read), and the mail settings, with the same through the API.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;

use crate::harness::{Web, enc, hidden};

#[tokio::test]
async fn the_header_counts_unread_notifications_and_opening_one_reads_it() {
    let web = Web::new().await;
    // The fixture's application was asked for consultation, submitted and approved.
    let home = web.get(Some(UserRole::Approver), "/").await;
    assert!(
        home.body
            .contains("href=\"/notifications\">お知らせ <span class=\"count\">2</span>"),
        "{}",
        home.body
    );
    let applicant = web.get(Some(UserRole::Applicant), "/ledger").await;
    assert!(applicant.body.contains("<span class=\"count\">1</span>"));
    let list = web.get(Some(UserRole::Applicant), "/notifications").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains("「電子申請サービス」の利用申請が承認されました")
    );
    assert!(list.body.contains("申請の結果"));
    let id = web
        .store
        .notifications(web.actor(UserRole::Applicant), false, 1, 10)
        .await
        .unwrap()
        .items[0]
        .id;
    let opened = web
        .post(
            UserRole::Applicant,
            &format!("/notifications/{id}/read"),
            "open=1",
        )
        .await;
    assert_eq!(opened.status, 303);
    assert_eq!(
        opened.headers[header::LOCATION],
        format!("/applications/{}", web.application)
    );
    let after = web.get(Some(UserRole::Applicant), "/notifications").await;
    assert!(!after.body.contains("class=\"count\""));
    // Someone else's notification cannot be read.
    let theirs = web
        .post(UserRole::Approver, &format!("/notifications/{id}/read"), "")
        .await;
    assert_eq!(theirs.status, 404);
    let all = web
        .post(UserRole::Approver, "/notifications/read-all", "")
        .await;
    assert_eq!(all.status, 303);
    let nothing = web.get(Some(UserRole::Auditor), "/notifications").await;
    assert!(nothing.body.contains("お知らせはありません。"));
}

#[tokio::test]
async fn mail_settings_keep_what_was_typed_when_refused() {
    let web = Web::new().await;
    let bad = web
        .post(
            UserRole::Approver,
            "/notifications/mail",
            &format!("email={}&mode=digest", enc("鈴木 @example")),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("メールアドレスの形が正しくありません"));
    assert_eq!(
        hidden(
            &bad.body.replace("type=\"email\" id=\"email\"", ""),
            "email"
        )
        .as_deref(),
        Some("鈴木 @example")
    );
    assert!(bad.body.contains("value=\"digest\" checked"));
    let good = web
        .post(
            UserRole::Approver,
            "/notifications/mail",
            "email=suzuki%40example.lg.jp&mode=digest",
        )
        .await;
    assert_eq!(good.status, 303);
    let settings = web
        .store
        .mail_settings(web.actor(UserRole::Approver))
        .await
        .unwrap();
    assert_eq!(
        (settings.email.as_str(), settings.mode.as_str()),
        ("suzuki@example.lg.jp", "digest")
    );
}

#[tokio::test]
async fn the_api_lists_reads_and_sets_mail() {
    let web = Web::new().await;
    let token = web.token(UserRole::Approver).await;
    let call = async |method: &str, path: &str, body: &str| {
        let reply = web
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_owned()))
                    .unwrap(),
            )
            .await;
        (
            reply.status,
            serde_json::from_str::<serde_json::Value>(&reply.body).unwrap(),
        )
    };
    let (status, list) = call("GET", "/api/v1/notifications", "").await;
    assert_eq!(status, 200);
    assert_eq!(list["unread"], 2);
    assert_eq!(list["items"][0]["kind"], "submitted");
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, marked) = call("POST", &format!("/api/v1/notifications/{id}/read"), "").await;
    assert_eq!(marked["marked"], 1);
    let (_, unread) = call("GET", "/api/v1/notifications?unread=true", "").await;
    assert_eq!(unread["total"], 1);
    let (_, all) = call("POST", "/api/v1/notifications/read-all", "").await;
    assert_eq!(all["marked"], 1);
    let (status, refused) = call(
        "PUT",
        "/api/v1/me/mail",
        r#"{"email": "suzuki@example.lg.jp", "mode": "weekly"}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("each・digest・off")
    );
    let (status, set) = call(
        "PUT",
        "/api/v1/me/mail",
        r#"{"email": "suzuki@example.lg.jp", "mode": "each"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(set["mode"], "each");
    let (_, got) = call("GET", "/api/v1/me/mail", "").await;
    assert_eq!(got["email"], "suzuki@example.lg.jp");
}
