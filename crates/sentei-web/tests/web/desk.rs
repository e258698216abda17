//! Issue 13, item 1: the approver's desk. The application's page lists every item the
//! decision turns on with its number, requirement, level, answer, reason, evidence and files,
//! says which acceptances are still missing and for which items, asks before 承認 and 却下, shows
//! a returned application as 差し戻し with its comment, and lets drafts and unused services be
//! deleted by those who may.

use sentei_core::workflow::{Action, Kind, Status, UserRole};
use sentei_store::{NewApplication, NewService};

use crate::harness::{Web, enc, hidden};

/// 周南市, 機密性2, ISO/IEC 27001 only: items 1 (ISMAP) and 5 (ISO/IEC 27017), both 推奨, unmet
/// with reasons; the approver must accept them.
const UNMET_RECOMMENDED: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [csp_iso27001] }
answers:
  default: met
  items:
    \"1\": { status: unmet, reason: 同等の機能をもつ ISMAP 登録サービスがないため, evidence: 事業者の回答書（令和8年4月） }
    \"5\": { status: unmet, reason: 代替となるサービスがほかにないため }
";

/// 堺市, 機密性3C, ISMS certification only: the CISO must accept 3.1(1)(イ).
const NEEDS_CISO: &str = "profile: sakai
service: { name: x, provider: y }
facts: { classification: \"3C\", certifications: [csp_iso27001, csp_iso27017], connection: government_cloud }
answers: { default: met }
";

/// A new service with one assessment of `document` and a draft application for it:
/// (service, assessment, application).
async fn drafted(web: &Web, name: &str, document: &str) -> (i64, i64, i64) {
    let applicant = web.actor(UserRole::Applicant);
    let store = &web.store;
    let service = store
        .create_service(
            applicant,
            NewService {
                name: name.into(),
                provider: "例示株式会社".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let assessment = store
        .create_assessment(applicant, &web.catalog, service.id, document)
        .await
        .unwrap();
    let app = store
        .create_application(
            applicant,
            NewApplication {
                service_id: service.id,
                assessment_id: assessment.id,
                purpose: "住民からの問い合わせへの自動応答".into(),
                user_scope: "市民課".into(),
                period_start: time::macros::date!(2026 - 04 - 01),
                period_end: time::macros::date!(2027 - 03 - 31),
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    (service.id, assessment.id, app.id)
}

/// Consulted where the profile asks for it, then submitted.
async fn submit(web: &Web, app: i64) {
    let applicant = web.actor(UserRole::Applicant);
    let approver = web.actor(UserRole::Approver);
    let store = &web.store;
    let act = async |actor, action| {
        store
            .act(actor, &web.catalog, app, action, "確認をお願いします", None)
            .await
            .unwrap();
    };
    act(applicant, Action::StartPreConsultation).await;
    act(approver, Action::ConcludeConsultation).await;
    act(applicant, Action::Submit).await;
}

async fn status(web: &Web, app: i64) -> Status {
    web.store
        .application(web.actor(UserRole::Auditor), app)
        .await
        .unwrap()
        .status
}

#[tokio::test]
async fn issue_13_the_approver_decides_at_the_desk() {
    let web = Web::new().await;
    let (_, assessment, app) = drafted(&web, "問い合わせチャットボット", UNMET_RECOMMENDED).await;
    let attached = web
        .store
        .attach(
            web.actor(UserRole::Applicant),
            &web.catalog,
            assessment,
            "1",
            "回答書.pdf",
            b"%PDF-1.7 answer",
        )
        .await
        .unwrap();
    submit(&web, app).await;
    let path = format!("/applications/{app}");
    let page = web.get(Some(UserRole::Approver), &path).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    // Both items, by the document's numbers, with the requirement verbatim and the answers.
    let shunan = web.catalog.get("shunan-2023").unwrap();
    assert!(body.contains("判断する項目（2 件）"), "{body}");
    for id in ["1", "5"] {
        let item = shunan.item(id).unwrap();
        let words: String = item.text.chars().take(20).collect();
        assert!(body.contains(&words), "the text of item {id}: {words}");
        assert!(
            body.contains(&format!(">項番{id}<")),
            "item {id} by its number"
        );
    }
    assert!(body.contains("推奨"));
    assert!(body.contains("同等の機能をもつ ISMAP 登録サービスがないため"));
    assert!(body.contains("事業者の回答書（令和8年4月）"));
    assert!(body.contains(&format!(
        "href=\"/assessments/{assessment}/attachments/{}\">回答書.pdf</a>",
        attached.link_id
    )));
    // Why 承認する is not offered: the missing acceptance, with the items that need it.
    assert!(
        body.contains("情報システム管理者による例外の承認がまだ記録されていません（項番1、項番5）"),
        "{body}"
    );
    assert!(
        !body.contains("value=\"approve\""),
        "no 承認する before the acceptance"
    );
    assert!(body.contains("value=\"return\""));

    // The acceptance is recorded beside the items; 承認する is offered, the reason gone.
    let accepted = web
        .post(
            UserRole::Approver,
            &format!("{path}/accept"),
            &format!("reason={}", enc("代替策がないことを確認しました")),
        )
        .await;
    assert_eq!(accepted.status, 303);
    let page = web.get(Some(UserRole::Approver), &path).await;
    assert!(page.body.contains("value=\"approve\">承認する</button>"));
    assert!(!page.body.contains("承認する前に必要なこと"));
    assert_eq!(
        page.body
            .matches("情報システム管理者による例外の承認は記録済みです")
            .count(),
        2,
        "each item says its acceptance is recorded"
    );
    // 却下 stands apart from the other actions.
    let forward = page.body.find("value=\"approve\"").unwrap();
    let back = page.body.find("value=\"return\"").unwrap();
    let reject = page.body.find("value=\"reject\"").unwrap();
    assert!(forward < back && back < reject);
    assert!(page.body[..reject].rfind("<p class=\"apart\">") > Some(back));

    // 承認 is asked about first: nothing happens until it is confirmed.
    let version = hidden(&page.body, "seen_assessment_version").unwrap();
    let asked = web
        .post(
            UserRole::Approver,
            &format!("{path}/act"),
            &format!("action=approve&seen_assessment_version={version}&comment="),
        )
        .await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("承認を確定する"));
    assert!(asked.body.contains("name=\"confirmed\" value=\"yes\""));
    assert!(asked.body.contains("name=\"csrf\""));
    assert!(asked.body.contains("問い合わせチャットボット"));
    assert!(
        asked.body.contains("情報システム管理者（"),
        "the acceptance is named"
    );
    assert_eq!(status(&web, app).await, Status::Submitted);
    // 却下 without a reason is refused at once, on the application's page.
    let refused = web
        .post(
            UserRole::Approver,
            &format!("{path}/act"),
            &format!("action=reject&seen_assessment_version={version}&comment="),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("却下には理由を書いてください"));
    let done = web
        .post(
            UserRole::Approver,
            &format!("{path}/act"),
            &format!("action=approve&seen_assessment_version={version}&comment=&confirmed=yes"),
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(status(&web, app).await, Status::Approved);
}

#[tokio::test]
async fn issue_13_the_desk_names_the_cisos_missing_acceptance_by_item() {
    let web = Web::new().await;
    let (_, _, app) = drafted(&web, "文書共有", NEEDS_CISO).await;
    submit(&web, app).await;
    let page = web
        .get(Some(UserRole::Approver), &format!("/applications/{app}"))
        .await;
    let body = &page.body;
    assert!(body.contains(">3.1(1)(イ)<"), "{body}");
    assert!(body.contains("統括情報セキュリティ責任者による例外の承認が必要です"));
    assert!(
        body.contains(
            "統括情報セキュリティ責任者による例外の承認がまだ記録されていません（項目 3.1(1)(イ)"
        ),
        "{body}"
    );
}

#[tokio::test]
async fn issue_13_a_returned_application_is_shown_as_returned_and_a_draft_can_be_deleted() {
    let web = Web::new().await;
    let (service, _, app) = drafted(&web, "施設予約", UNMET_RECOMMENDED).await;
    submit(&web, app).await;
    let path = format!("/applications/{app}");
    let page = web.get(Some(UserRole::Approver), &path).await;
    let version = hidden(&page.body, "seen_assessment_version").unwrap();
    let returned = web
        .post(
            UserRole::Approver,
            &format!("{path}/act"),
            &format!(
                "action=return&seen_assessment_version={version}&comment={}",
                enc("利用者の範囲を課内に限ってください")
            ),
        )
        .await;
    assert_eq!(returned.status, 303, "差し戻し needs no confirmation");
    let page = web.get(Some(UserRole::Applicant), &path).await;
    assert!(
        page.body
            .contains("<strong>下書き</strong> <span class=\"badge returned\">差し戻し</span>")
    );
    assert!(page.body.contains("suzuki さん が"));
    assert!(page.body.contains("利用者の範囲を課内に限ってください"));
    assert!(page.body.contains("この下書きを削除する"));
    let list = web.get(Some(UserRole::Applicant), "/applications").await;
    assert!(list.body.contains(&format!(
        ">申請 {app}</a></td><td>施設予約</td><td>新規</td><td>下書き <span class=\"badge returned\">差し戻し</span>"
    )), "{}", list.body);
    // Reviewers do not delete drafts: no button, and the route refuses them.
    let page = web.get(Some(UserRole::Approver), &path).await;
    assert!(!page.body.contains("この下書きを削除する"));
    let refused = web
        .post(
            UserRole::Approver,
            &format!("{path}/delete"),
            "confirmed=yes",
        )
        .await;
    assert_eq!(refused.status, 403);

    let asked = web
        .post(UserRole::Applicant, &format!("{path}/delete"), "")
        .await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("削除を確定する"));
    assert_eq!(status(&web, app).await, Status::Draft);
    let deleted = web
        .post(
            UserRole::Applicant,
            &format!("{path}/delete"),
            "confirmed=yes",
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        deleted.headers["location"],
        format!("/services/{service}?done=draft-deleted").as_str()
    );
    let gone = web.get(Some(UserRole::Applicant), &path).await;
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains("見つかりません"));
    assert!(
        gone.body.contains("tanaka さん"),
        "the error page has the user's header and menu"
    );
    assert!(gone.body.contains("href=\"/services\""));
}

#[tokio::test]
async fn issue_13_a_service_without_applications_can_be_deleted() {
    let web = Web::new().await;
    let (service, _, app) = drafted(&web, "登録を間違えたサービス", UNMET_RECOMMENDED).await;
    let page = format!("/services/{service}");
    let shown = web.get(Some(UserRole::Applicant), &page).await;
    assert!(
        !shown.body.contains("このサービスを削除する"),
        "it has a draft"
    );
    web.store
        .delete_draft(web.actor(UserRole::Applicant), app)
        .await
        .unwrap();
    let shown = web.get(Some(UserRole::Applicant), &page).await;
    assert!(shown.body.contains("このサービスを削除する"));
    let approver = web.get(Some(UserRole::Approver), &page).await;
    assert!(!approver.body.contains("このサービスを削除する"));
    let refused = web
        .post(
            UserRole::Approver,
            &format!("{page}/delete"),
            "confirmed=yes",
        )
        .await;
    assert_eq!(refused.status, 403);
    let asked = web
        .post(UserRole::Applicant, &format!("{page}/delete"), "")
        .await;
    assert!(asked.body.contains("ともに削除する評価"));
    let deleted = web
        .post(UserRole::Admin, &format!("{page}/delete"), "confirmed=yes")
        .await;
    assert_eq!(deleted.status, 303);
    let list = web
        .get(Some(UserRole::Applicant), "/services?done=service-deleted")
        .await;
    assert!(list.body.contains("サービスを削除しました"));
    assert!(!list.body.contains("登録を間違えたサービス"));
}
