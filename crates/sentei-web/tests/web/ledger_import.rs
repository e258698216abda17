//! Reading in an existing ledger on the web and through the API: upload, preview (columns,
//! rows to register, rows already there, rows that cannot be read), register all at once.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;
use sentei_store::LedgerQuery;

use crate::harness::{Reply, Web, enc, hidden};

const LEDGER: &str = "\
外部サービス利用台帳,,,,,,,
サービス名,事業者名,利用目的,情報の格付,利用期間,利用申請者,利用者の範囲
<script>alert(1)</script>,例示通信株式会社,庁内会議,２,令和８年４月１日～令和９年３月３１日,総務課 山田 花子,全庁
日程調整,例示合同会社,日程調整,機密性1,2026/4/1から2027/3/31まで,企画課 佐藤一郎,課内
";

async fn upload(web: &Web, role: UserRole, name: &str, bytes: &[u8]) -> Reply {
    web.upload(role, "/ledger/import", "ledger", name, bytes)
        .await
}

async fn entries(web: &Web) -> u64 {
    let query = LedgerQuery {
        include_abolished: true,
        ..LedgerQuery::default()
    };
    web.store
        .ledger(web.actor(UserRole::Auditor), &query)
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn a_ledger_file_is_previewed_then_registered_once() {
    let web = Web::new().await;
    let before = entries(&web).await;
    let ledger_page = web.get(Some(UserRole::Approver), "/ledger").await;
    assert!(ledger_page.body.contains("href=\"/ledger/import\""));
    let for_applicant = web.get(Some(UserRole::Applicant), "/ledger").await;
    assert!(!for_applicant.body.contains("href=\"/ledger/import\""));

    let preview = upload(
        &web,
        UserRole::Approver,
        "部署の台帳.csv",
        LEDGER.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let page = &preview.body;
    assert!(page.contains("登録する項目（2 件）"), "{page}");
    assert!(
        page.contains("2026-04-01 〜 2027-03-31"),
        "和暦 read as dates: {page}"
    );
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "escaped"
    );
    assert!(!page.contains("<script>alert(1)"), "never raw");
    assert!(page.contains("2行目 A列"), "columns as read: {page}");
    assert_eq!(entries(&web).await, before, "the upload changes nothing");

    let preview = hidden(page, "preview").unwrap();
    assert!(
        page.contains("ファイル: 部署の台帳.csv（SHA-256 "),
        "{page}"
    );
    let applied = web
        .post(
            UserRole::Approver,
            "/ledger/import/apply",
            &format!("preview={}", enc(&preview)),
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(applied.headers[header::LOCATION], "/ledger?done=imported");
    assert_eq!(entries(&web).await, before + 2);
    let listed = web
        .get(Some(UserRole::Approver), "/ledger?done=imported")
        .await;
    assert!(listed.body.contains("既存の台帳を取り込みました。"));
    let found = web
        .store
        .ledger(
            web.actor(UserRole::Auditor),
            &LedgerQuery {
                search: "日程調整".to_owned(),
                ..LedgerQuery::default()
            },
        )
        .await
        .unwrap();
    let entry = web
        .get(
            Some(UserRole::Auditor),
            &format!("/ledger/{}", found.items[0].id),
        )
        .await;
    assert!(
        entry.body.contains("既存の台帳から取り込んだ項目"),
        "{}",
        entry.body
    );
    assert!(
        entry.body.contains("取込") && entry.body.contains("部署の台帳.csv の 4行目 から取り込み")
    );
    assert!(!entry.body.contains("未評価"));

    // The same form again (a second click) and the same file again register nothing more.
    let twice = web
        .post(
            UserRole::Approver,
            "/ledger/import/apply",
            &format!("preview={}", enc(&preview)),
        )
        .await;
    assert_eq!(twice.status, 404);
    assert!(twice.body.contains("登録済みか"), "{}", twice.body);
    assert_eq!(entries(&web).await, before + 2);
    let again = upload(
        &web,
        UserRole::Approver,
        "部署の台帳.csv",
        LEDGER.as_bytes(),
    )
    .await;
    assert_eq!(again.status, 200);
    assert!(
        again
            .body
            .contains("既に台帳にある項目（2 件。登録しません）")
    );
    assert!(again.body.contains("新しく登録する項目はありません"));
    assert!(hidden(&again.body, "preview").is_none(), "nothing to apply");
}

#[tokio::test]
async fn bad_rows_and_bad_files_are_listed_and_nothing_can_be_applied() {
    let web = Web::new().await;
    let before = entries(&web).await;
    let broken = LEDGER.replace("令和９年３月３１日", "令和９年２月３０日");
    let reply = upload(&web, UserRole::Approver, "台帳.csv", broken.as_bytes()).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply
            .body
            .contains("3行目 E列: (オ) 利用期間: 令和9年2月30日という日はありません"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("読み取れない行が 1 件あります"));
    assert!(hidden(&reply.body, "preview").is_none(), "no apply form");

    let not_a_ledger = upload(
        &web,
        UserRole::Approver,
        "メモ.csv",
        "メモ\n買い物\n".as_bytes(),
    )
    .await;
    assert_eq!(not_a_ledger.status, 422);
    assert!(
        not_a_ledger
            .body
            .contains("メモ.csv を台帳として読み込めませんでした")
    );
    assert!(not_a_ledger.body.contains("見出しの行が見つかりません"));

    // Rows sent back by a form are not read at all (the preview is kept on the server).
    let tampered = serde_json::json!([{
        "place": "3行目",
        "fields": {
            "service_name": "改ざん", "provider": "x", "purpose": "x", "classification": "機密性2",
            "period_start": "2026-04-01", "period_end": "2027-03-31",
            "applicant_department": "総務課", "applicant_name": "山田", "user_scope": "全庁"
        }
    }]);
    let refused = web
        .post(
            UserRole::Approver,
            "/ledger/import/apply",
            &format!("file=x.csv&rows={}", enc(&tampered.to_string())),
        )
        .await;
    assert!((400..500).contains(&refused.status), "{}", refused.body);
    assert_eq!(entries(&web).await, before);
}

async fn api(web: &Web, token: &str, query: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let reply = web
        .send(
            Request::post(format!("/api/v1/ledger/import{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(body.to_vec()))
                .unwrap(),
        )
        .await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or_default(),
    )
}

#[tokio::test]
async fn the_api_reads_a_ledger_as_a_dry_run_by_default_then_registers_it() {
    let web = Web::new().await;
    let before = entries(&web).await;
    let token = web.token(UserRole::Approver).await;
    let (status, dry) = api(&web, &token, "?file=ledger.csv", LEDGER.as_bytes()).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["create"].as_array().unwrap().len(), 2);
    assert_eq!(dry["create"][0]["fields"]["classification"], "機密性2");
    assert_eq!(dry["create"][0]["fields"]["period_start"], "2026-04-01");
    assert_eq!(dry["columns"][4]["read_as"], "(オ) 利用期間");
    assert_eq!(entries(&web).await, before);

    let (status, done) = api(
        &web,
        &token,
        "?file=ledger.csv&dry_run=false",
        LEDGER.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["created_ids"].as_array().unwrap().len(), 2);
    assert_eq!(entries(&web).await, before + 2);
    let id = done["created_ids"][0].as_i64().unwrap();
    let entry = web
        .store
        .ledger_history(web.actor(UserRole::Auditor), id)
        .await
        .unwrap();
    assert!(
        entry[0]
            .comment
            .starts_with("ledger.csv の 3行目 から取り込み（SHA-256 "),
        "{}",
        entry[0].comment
    );

    let broken = LEDGER.replace("総務課 山田 花子", "総務課");
    let (status, refused) = api(&web, &token, "?dry_run=false", broken.as_bytes()).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["created_ids"].as_array().unwrap().len(), 0);
    assert_eq!(refused["problems"][0]["place"], "3行目 F列");
    assert_eq!(entries(&web).await, before + 2, "nothing registered");
    let (status, _) = api(&web, &token, "", b"").await;
    assert_eq!(status, 400);
}
