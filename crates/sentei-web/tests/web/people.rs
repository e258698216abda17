//! People over time and a readable audit trail (issue #11, items 5 and 7), through the pages
//! and the API: deactivation ending a signed-in session at once, refusals inside the page with
//! the form as typed, the April transfers from a file, and the audit filters and CSV.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;

use crate::harness::{Web, enc, hidden};
use crate::security::sign_in;

fn location(reply: &crate::harness::Reply) -> String {
    reply.headers[header::LOCATION].to_str().unwrap().to_owned()
}

async fn get_with(web: &Web, cookie: &str, path: &str) -> crate::harness::Reply {
    web.send(
        Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn api(
    web: &Web,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> crate::harness::Reply {
    web.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn deactivating_a_user_ends_their_signed_in_session_and_tokens_at_once() {
    let web = Web::new().await;
    let (cookie, _) = web.session(UserRole::Applicant).await;
    let token = web.token(UserRole::Applicant).await;
    assert_eq!(get_with(&web, &cookie, "/services").await.status, 200);
    assert_eq!(api(&web, &token, "GET", "/api/v1/me", "").await.status, 200);

    let done = web
        .post(UserRole::Admin, "/users/tanaka/deactivate", "")
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(location(&done), "/users/tanaka?done=deactivated");
    // The very next request of the signed-in user goes to the sign-in page.
    let after = get_with(&web, &cookie, "/services").await;
    assert_eq!(after.status, 303);
    assert!(location(&after).starts_with("/login"));
    assert_eq!(api(&web, &token, "GET", "/api/v1/me", "").await.status, 401);
    let refused = sign_in(&web, "tanaka", crate::harness::PASSWORD).await;
    assert_eq!(refused.status, 401);

    let shown = web
        .get(Some(UserRole::Admin), "/users/tanaka?done=deactivated")
        .await;
    assert!(
        shown.body.contains("利用者を無効にしました。"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("無効（ログインできません）"));
    let list = web.get(Some(UserRole::Admin), "/users").await;
    assert!(
        list.body
            .contains("<tr class=\"inactive\"><td><a href=\"/users/tanaka\">")
    );

    let back = web
        .post(UserRole::Admin, "/users/tanaka/activate", "")
        .await;
    assert_eq!(location(&back), "/users/tanaka?done=activated");
    assert_eq!(
        sign_in(&web, "tanaka", crate::harness::PASSWORD)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn refusals_are_shown_on_the_page_with_what_was_typed() {
    let web = Web::new().await;
    // The last administrator.
    let own = web
        .post(UserRole::Admin, "/users/yamamoto/deactivate", "")
        .await;
    assert_eq!(own.status, 422);
    assert!(
        own.body
            .contains("あなたは最後の有効なシステム管理者のため")
    );
    assert!(
        own.body.contains("<nav aria-label=\"メニュー\">"),
        "inside the layout"
    );
    let demoted = web
        .post(UserRole::Admin, "/users/yamamoto/role", "role=auditor")
        .await;
    assert_eq!(demoted.status, 403);
    assert!(demoted.body.contains("自分の役割は変更できません"));
    // A malformed address: the form comes back as typed.
    let edit = web
        .post(
            UserRole::Admin,
            "/users/tanaka",
            &format!(
                "name={}&department={}&email={}",
                enc("田中 一郎"),
                enc("市民課"),
                enc("tanaka@city")
            ),
        )
        .await;
    assert_eq!(edit.status, 422);
    assert!(
        edit.body
            .contains("メールアドレス「tanaka@city」の形が正しくありません")
    );
    assert!(edit.body.contains("value=\"市民課\""));
    assert!(edit.body.contains("value=\"tanaka@city\""));
    // A login already taken: the add form comes back as typed.
    let taken = web
        .post(
            UserRole::Admin,
            "/users",
            &format!(
                "login=tanaka&name={}&department={}&email=&role=approver",
                enc("新しい 人"),
                enc("税務課")
            ),
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(
        taken
            .body
            .contains("ログイン名 tanaka はすでに使われています")
    );
    assert!(taken.body.contains("value=\"新しい 人\""));
    assert!(taken.body.contains("<option value=\"approver\" selected>"));
    // A blank organization name.
    let blank = web.post(UserRole::Admin, "/organization", "name=+").await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("組織の名称を書いてください"));
    let renamed = web
        .post(
            UserRole::Admin,
            "/organization",
            &format!("name={}", enc("周南市役所")),
        )
        .await;
    assert_eq!(location(&renamed), "/users?done=organization");
    let page = web.get(Some(UserRole::Admin), "/users").await;
    assert!(page.body.contains("value=\"周南市役所\""));
    // Saved edits go back to the user's page.
    let saved = web
        .post(
            UserRole::Admin,
            "/users/tanaka",
            &format!(
                "name={}&department={}&email={}",
                enc("田中 一郎"),
                enc("市民課"),
                enc("tanaka@city.shunan.lg.jp")
            ),
        )
        .await;
    assert_eq!(location(&saved), "/users/tanaka?done=user");
}

#[tokio::test]
async fn the_april_transfers_are_previewed_then_applied_from_the_page() {
    let web = Web::new().await;
    let csv = web.get(Some(UserRole::Admin), "/users.csv").await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        csv.body
            .starts_with("\u{FEFF}ログイン名,氏名,所属,メールアドレス,役割,状態\r\n")
    );
    let edited = csv
        .body
        .replace("tanaka,tanaka さん,情報政策課", "tanaka,tanaka さん,市民課")
        + "kobayashi,小林 花子,子育て支援課,,情報セキュリティ管理者,有効\r\n";
    let preview = web
        .upload(
            UserRole::Admin,
            "/user-import",
            "users",
            "異動.csv",
            edited.as_bytes(),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains(
        "確認のみです（まだ何も変えていません）。追加 1 人、変更 1 人、変更なし 4 人です。"
    ));
    assert!(preview.body.contains("所属: 情報政策課 → 市民課"));
    let rows = hidden(&preview.body, "rows").unwrap();
    let applied = web
        .post(
            UserRole::Admin,
            "/user-import/apply",
            &format!("file={}&rows={}", enc("異動.csv"), enc(&rows)),
        )
        .await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert!(
        applied
            .body
            .contains("取り込みました。追加 1 人、変更 1 人、変更なし 4 人です。")
    );
    assert!(
        applied
            .body
            .contains("初期パスワードはこの一度だけ表示します")
    );
    let users = web.store.users(web.actor(UserRole::Admin)).await.unwrap();
    assert!(users.iter().any(|u| u.login == "kobayashi"));

    // A file with bad rows: every one named, nothing to apply.
    let bad = format!("{edited}Bad,氏名,総務課,,部長,\r\nito,伊藤,,,申請者,休職\r\n");
    let refused = web
        .upload(
            UserRole::Admin,
            "/user-import",
            "users",
            "異動.csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("8行目: 役割「部長」は使えません"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("9行目: 状態「休職」は使えません"),
        "{}",
        refused.body
    );
    assert!(hidden(&refused.body, "rows").is_none());
    let not_users = web
        .upload(
            UserRole::Admin,
            "/user-import",
            "users",
            "x.csv",
            b"a,b\n1,2\n",
        )
        .await;
    assert_eq!(not_users.status, 422);
    assert!(not_users.body.contains("見出しの行"));
}

#[tokio::test]
async fn the_audit_trail_is_filtered_summarized_and_exported() {
    let web = Web::new().await;
    // A change with a summary, a value a spreadsheet would run, and a failed sign-in.
    web.post(
        UserRole::Admin,
        "/users/tanaka",
        &format!(
            "name={}&department={}&email=",
            enc("tanaka さん"),
            enc("=HYPERLINK(\"http://example.com\")")
        ),
    )
    .await;
    assert_eq!(
        sign_in(&web, "suzuki", "wrong password!!").await.status,
        401
    );

    let page = web
        .get(Some(UserRole::Auditor), "/audit?action=user.edit")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1 件（新しい順）"), "{}", page.body);
    assert!(
        page.body
            .contains("所属: 情報政策課 → =HYPERLINK(&#34;http://example.com&#34;)")
    );
    assert!(
        page.body
            .contains("<option value=\"user.edit\" selected>利用者の情報を変更</option>")
    );
    assert!(page.body.contains("yamamoto さん（yamamoto）"));
    let failed = web
        .get(Some(UserRole::Auditor), "/audit?action=user.sign_in_failed")
        .await;
    assert!(failed.body.contains("<td>ログインの失敗</td>"));
    assert!(failed.body.contains("ログイン名: suzuki"));
    assert!(!failed.body.contains("wrong password"));
    let by_actor = web
        .get(Some(UserRole::Auditor), "/audit?actor=yamamoto")
        .await;
    assert!(by_actor.body.contains("<td>利用者の情報を変更</td>"));
    assert!(!by_actor.body.contains("<td>ログインの失敗</td>"));

    let csv = web
        .get(Some(UserRole::Auditor), "/audit.csv?action=user.edit")
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"audit-")
    );
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("\u{FEFF}番号,日時（日本時間）,操作した人"));
    assert_eq!(lines.len(), 2, "the heading and the one edit: {lines:?}");
    // The summary is one quoted cell (its lines kept), beginning with text, never a formula.
    assert!(
        lines[1].contains(",yamamoto,利用者の情報を変更,利用者 1,\"ログイン名: tanaka\n所属: 情報政策課 → =HYPERLINK"),
        "{}",
        lines[1]
    );
    let whole = web.get(Some(UserRole::Auditor), "/audit.csv").await;
    assert!(whole.body.split("\r\n").count() > lines.len());

    // Dates that are not dates, or a range backwards, are explained on the page.
    let bad = web
        .get(Some(UserRole::Auditor), "/audit?from=2026-13-01")
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("期間の始まりの日付は 2026-04-01 の形で入力してください")
    );
    assert!(bad.body.contains("<nav aria-label=\"メニュー\">"));
    let backwards = web
        .get(
            Some(UserRole::Auditor),
            "/audit?from=2026-05-01&to=2026-04-01",
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body.contains("より後になっています"));
    // Others may not read it.
    assert_eq!(
        web.get(Some(UserRole::Applicant), "/audit.csv")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_api_changes_people_and_reads_the_filtered_trail() {
    let web = Web::new().await;
    let admin = web.token(UserRole::Admin).await;
    let applicant = web.token(UserRole::Applicant).await;
    let edited = api(
        &web,
        &admin,
        "PUT",
        "/api/v1/users/tanaka",
        r#"{"name": "田中 一郎", "department": "市民課", "email": "tanaka@city.shunan.lg.jp"}"#,
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let body: serde_json::Value = serde_json::from_str(&edited.body).unwrap();
    assert_eq!(body["email"], "tanaka@city.shunan.lg.jp");
    let off = api(&web, &admin, "POST", "/api/v1/users/tanaka/deactivate", "").await;
    let body: serde_json::Value = serde_json::from_str(&off.body).unwrap();
    assert_eq!(body["user"]["active"], false);
    assert_eq!(body["tokens_revoked"], 1);
    assert_eq!(
        api(&web, &applicant, "GET", "/api/v1/me", "").await.status,
        401
    );
    let last = api(
        &web,
        &admin,
        "POST",
        "/api/v1/users/yamamoto/role",
        r#"{"role": "auditor"}"#,
    )
    .await;
    assert!(matches!(last.status, 403 | 422), "{}", last.status);
    assert!(
        last.body.contains("自分の役割は変更できません"),
        "{}",
        last.body
    );
    let on = api(&web, &admin, "POST", "/api/v1/users/tanaka/activate", "").await;
    assert_eq!(on.status, 200);

    let file = "ログイン名,氏名,所属,役割\nkato,加藤,総務課,申請者\nsato,佐藤,,監査担当者\n";
    let dry = web
        .send(
            Request::post("/api/v1/users/import?dry_run=true&file=x.csv")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(file))
                .unwrap(),
        )
        .await;
    assert_eq!(dry.status, 422, "{}", dry.body);
    let body: serde_json::Value = serde_json::from_str(&dry.body).unwrap();
    assert_eq!(body["problems"][0]["place"], "3行目");
    assert_eq!(body["problems"][0]["message"], "所属を書いてください");
    assert_eq!(body["applied"], false);

    let renamed = api(
        &web,
        &admin,
        "PUT",
        "/api/v1/organization",
        r#"{"name": "周南市役所"}"#,
    )
    .await;
    assert_eq!(renamed.status, 200);
    let org = api(&web, &applicant, "GET", "/api/v1/organization", "").await;
    assert_eq!(
        org.status, 401,
        "the applicant's token ended with the deactivation"
    );

    let auditor = web.token(UserRole::Auditor).await;
    let trail = api(
        &web,
        &auditor,
        "GET",
        "/api/v1/audit?action=organization.rename",
        "",
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&trail.body).unwrap();
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["summary"], "名称: 周南市 → 周南市役所");
    let bad = api(&web, &auditor, "GET", "/api/v1/audit?from=April", "").await;
    assert_eq!(bad.status, 400);
}
