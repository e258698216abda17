//! The life of a service on the web (issue #11): an approval that stays as approved when the
//! check sheet is edited afterwards, on the application's page, its A4 record, the ledger and
//! the API; the consultation answered; change and renewal applications started from the
//! ledger; entries past their period shown as 期限切れ.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::{Action, Kind, UserRole};
use sentei_exchange::sheet::{self, Scope};
use sentei_store::NewApplication;
use serde_json::Value;

use crate::harness::{Web, enc, hidden};

/// 周南市: on the ISMAP list, backups kept abroad (item 18, 推奨, unmet with a reason).
const CONDITIONAL: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"18\": { status: unmet, reason: バックアップの複製が国外のデータセンターにも保存されるため }
";

const WITH_EVIDENCE: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"18\": { status: unmet, reason: バックアップの複製が国外のデータセンターにも保存されるため }
    \"19\": { status: met, evidence: 利用規約 第20条 }
";

const ACCEPTANCE: &str = "国外の保管先も契約で日本法の適用を確認したため、受容します";

/// An application approved as 条件付きで承認可能 at assessment version 2, with the approver's
/// acceptance; returns (application, assessment).
async fn approved_at_version_2(web: &Web) -> (i64, i64) {
    let applicant = web.actor(UserRole::Applicant);
    let approver = web.actor(UserRole::Approver);
    let store = &web.store;
    let first = store
        .create_assessment(applicant, &web.catalog, web.service, CONDITIONAL)
        .await
        .unwrap();
    store
        .save_assessment(applicant, &web.catalog, first.id, 1, WITH_EVIDENCE)
        .await
        .unwrap();
    let app = store
        .create_application(
            applicant,
            NewApplication {
                service_id: web.service,
                assessment_id: first.id,
                purpose: "問い合わせへの自動応答".into(),
                user_scope: "市民課".into(),
                period_start: time::macros::date!(2026 - 04 - 01),
                period_end: time::macros::date!(2027 - 03 - 31),
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    for (actor, action) in [
        (applicant, Action::StartPreConsultation),
        (approver, Action::ConcludeConsultation),
        (applicant, Action::Submit),
    ] {
        store
            .act(actor, &web.catalog, app.id, action, "", None)
            .await
            .unwrap();
    }
    store
        .accept(approver, &web.catalog, app.id, ACCEPTANCE)
        .await
        .unwrap();
    store
        .act(approver, &web.catalog, app.id, Action::Approve, "", Some(2))
        .await
        .unwrap();
    (app.id, first.id)
}

async fn api(web: &Web, path: &str) -> Value {
    let token = web.token(UserRole::Auditor).await;
    let reply = web
        .send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

/// Words of the code that must never reach a page.
fn assert_no_codes(page: &str) {
    for code in [
        "conditional",
        "approvable",
        "not_approvable",
        "submitted",
        "approved",
        "pinned",
        "renewal",
    ] {
        let visible = page
            .split('<')
            .filter_map(|tag| tag.split_once('>').map(|(_, text)| text))
            .any(|text| text.contains(code));
        assert!(!visible, "「{code}」 is shown on the page:\n{page}");
    }
}

#[tokio::test]
async fn an_approval_stays_as_approved_after_the_applicant_imports_an_edited_sheet() {
    let web = Web::new().await;
    let (app, assessment) = approved_at_version_2(&web).await;

    // The applicant downloads the check sheet, answers item 18 met, and reads it back in.
    let download = web
        .get(
            Some(UserRole::Applicant),
            &format!("/assessments/{assessment}/sheet.xlsx"),
        )
        .await;
    assert_eq!(download.status, 200);
    let mut edited = sheet::import("s.xlsx", &download.bytes, &web.catalog)
        .unwrap()
        .assessment;
    let profile = web.catalog.get("shunan-2023").unwrap();
    let index = profile.item_index("18").unwrap();
    edited.answers[index] = Some(sentei_core::Answer {
        bulk: false,
        status: sentei_core::judgement::AnswerStatus::Met,
        reason: None,
        evidence: Some("国内のみで保管する旨の確認書".to_owned()),
    });
    let bytes = sheet::export(profile, &edited, Scope::Applicable).unwrap();
    let preview = web
        .upload(
            UserRole::Applicant,
            &format!("/assessments/{assessment}/sheet"),
            "sheet",
            "記入済み.xlsx",
            &bytes,
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let applied = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{assessment}/sheet/apply"),
            &format!(
                "version={}&document={}",
                hidden(&preview.body, "version").unwrap(),
                enc(&hidden(&preview.body, "document").unwrap())
            ),
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let now = web
        .store
        .assessment(web.actor(UserRole::Auditor), assessment)
        .await
        .unwrap();
    assert_eq!((now.version, now.verdict.as_str()), (3, "approvable"));

    // The application's page: version 2, 条件付きで承認可能, the acceptance with its reason.
    let page = web
        .get(Some(UserRole::Auditor), &format!("/applications/{app}"))
        .await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("（版 2: 承認した版"), "{body}");
    assert!(body.contains(">条件付きで承認可能</span>"), "{body}");
    assert!(body.contains(ACCEPTANCE));
    assert!(body.contains("承認後に変更あり"));
    assert!(body.contains(&format!("href=\"/applications/{app}/changes\"")));
    assert_no_codes(body);

    // The A4 record: the same, with the answers of version 2.
    let report = web
        .get(
            Some(UserRole::Auditor),
            &format!("/applications/{app}/report"),
        )
        .await;
    let body = &report.body;
    assert!(body.contains("判定: 条件付きで承認可能"), "{body}");
    assert!(body.contains("評価 ") && body.contains("（版 2: 承認した版"));
    assert!(body.contains(ACCEPTANCE));
    assert!(body.contains("理由: バックアップの複製が国外のデータセンターにも保存されるため"));
    assert!(
        !body.contains("国内のみで保管する旨の確認書"),
        "not the edit"
    );
    assert!(body.contains("承認後に変更あり"));
    assert_no_codes(body);

    // The difference, in Japanese.
    let changes = web
        .get(
            Some(UserRole::Auditor),
            &format!("/applications/{app}/changes"),
        )
        .await;
    let body = &changes.body;
    assert!(
        body.contains("変更前（版 2）") && body.contains("変更後（版 3）"),
        "{body}"
    );
    assert!(
        body.contains("<td>条件付きで承認可能</td><td>承認可能</td>"),
        "{body}"
    );
    assert!(body.contains("項目 18<br><span class=\"muted\">サービス上のユーザ所有データ"));
    assert!(body.contains("<td>満たす（根拠: 国内のみで保管する旨の確認書）</td>"));
    assert_no_codes(body);

    // The ledger entry still stands on the approval as it was, and says so.
    let entry = web
        .store
        .ledger_entry_of_application(web.actor(UserRole::Auditor), app)
        .await
        .unwrap()
        .unwrap();
    let ledger = web
        .get(Some(UserRole::Auditor), &format!("/ledger/{entry}"))
        .await;
    assert!(ledger.body.contains("条件付きで承認可能"));
    assert!(ledger.body.contains("承認後に変更あり"));

    // The API says the same.
    let detail = api(&web, &format!("/api/v1/applications/{app}")).await;
    assert_eq!(detail["verdict"], "conditional");
    assert_eq!(detail["assessment_version"], 2);
    assert_eq!(detail["current_assessment_version"], 3);
    assert_eq!(detail["changed_since_pinned"], true);
    assert_eq!(detail["acceptances"][0]["reason"], ACCEPTANCE);
    let report = api(&web, &format!("/api/v1/applications/{app}/report")).await;
    assert_eq!(report["verdict_label"], "条件付きで承認可能");
    assert_eq!(report["assessment_version"], 2);
    let item = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "18")
        .unwrap();
    assert_eq!(item["answer"], "unmet");
    let diff = api(&web, &format!("/api/v1/applications/{app}/changes")).await;
    assert_eq!(diff["differences"][1]["item"], "18");
    let ledger = api(&web, &format!("/api/v1/ledger/{entry}")).await;
    assert_eq!(ledger["entry"]["verdict"], "conditional");
    assert_eq!(ledger["changed_after_approval"], true);
}

#[tokio::test]
async fn a_refused_submission_is_shown_on_the_page_with_the_comment_kept() {
    let web = Web::new().await;
    let applicant = web.actor(UserRole::Applicant);
    let assessment = web
        .store
        .create_assessment(applicant, &web.catalog, web.service, CONDITIONAL)
        .await
        .unwrap();
    let app = web
        .store
        .create_application(
            applicant,
            NewApplication {
                service_id: web.service,
                assessment_id: assessment.id,
                purpose: "問い合わせ対応".into(),
                user_scope: "市民課".into(),
                period_start: time::macros::date!(2026 - 04 - 01),
                period_end: time::macros::date!(2027 - 03 - 31),
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    let path = format!("/applications/{}", app.id);
    // 周南市 requires the consultation: no button to skip it, and a forced request is refused.
    let page = web.get(Some(UserRole::Applicant), &path).await;
    assert!(
        page.body
            .contains("この基準では事前協議が必要です（周南市外部サービス利用基準 5(2)①）。")
    );
    assert!(!page.body.contains("value=\"submit\""));
    let refused = web
        .post(
            UserRole::Applicant,
            &format!("{path}/act"),
            &format!("action=submit&comment={}", enc("急ぎでお願いします")),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("class=\"problem\""));
    assert!(
        refused
            .body
            .contains("許可権限者と事前協議をして「協議済」の回答を受けてから利用申請します")
    );
    assert!(refused.body.contains(">急ぎでお願いします</textarea>"));
    assert!(refused.body.contains("<nav"), "inside the normal layout");

    // Asked, answered 要修正 with a comment, asked again, answered 協議済: then submitted.
    let (web, act_path) = (&web, format!("{path}/act"));
    let act = |role, form: String| {
        let act_path = act_path.clone();
        async move { web.post(role, &act_path, &form).await }
    };
    assert_eq!(
        act(UserRole::Applicant, "action=start_pre_consultation".into())
            .await
            .status,
        303
    );
    let no_reason = act(UserRole::Approver, "action=request_revision".into()).await;
    assert_eq!(no_reason.status, 422);
    assert!(
        no_reason
            .body
            .contains("要修正の回答には理由を書いてください")
    );
    let revise = format!(
        "action=request_revision&comment={}",
        enc("項目 19 の根拠を添えてください")
    );
    assert_eq!(act(UserRole::Approver, revise).await.status, 303);
    assert_eq!(
        act(UserRole::Applicant, "action=start_pre_consultation".into())
            .await
            .status,
        303
    );
    let approver_page = web.get(Some(UserRole::Approver), &path).await;
    assert!(approver_page.body.contains("協議済として回答する"));
    assert!(approver_page.body.contains("要修正として回答する"));
    assert_eq!(
        act(UserRole::Approver, "action=conclude_consultation".into())
            .await
            .status,
        303
    );
    let consulted = web.get(Some(UserRole::Applicant), &path).await;
    assert!(consulted.body.contains("<strong>協議済</strong>"));
    assert!(
        consulted
            .body
            .contains("評価の版 1 に「協議済」の回答があります。")
    );
    assert_eq!(
        act(UserRole::Applicant, "action=submit".into())
            .await
            .status,
        303
    );
    let history = web.get(Some(UserRole::Auditor), &path).await;
    for step in [
        // The history tells what happened, not the buttons' words (docs/glossary.md).
        "<td>要修正と回答した</td>",
        "<td>項目 19 の根拠を添えてください</td>",
        "<td>協議済と回答した</td>",
        "<td>利用申請した</td>",
    ] {
        assert!(history.body.contains(step), "{step}: {}", history.body);
    }
}

#[tokio::test]
async fn change_and_renewal_applications_start_from_the_ledger_entry() {
    let web = Web::new().await;
    let path = format!("/ledger/{}", web.ledger);
    let page = web.get(Some(UserRole::Applicant), &path).await;
    assert!(page.body.contains("変更申請・更新申請を作る"));
    let approver = web.get(Some(UserRole::Approver), &path).await;
    assert!(
        !approver.body.contains("変更申請・更新申請を作る"),
        "applicants apply"
    );
    // A renewal must end later than the entry does: refused with the form as typed.
    let form = |end: &str| {
        format!(
            "kind=renewal&assessment_id={}&purpose={}&user_scope={}&period_start=2026-04-01&period_end={end}",
            web.assessment,
            enc("申請受付（継続）"),
            enc("課内")
        )
    };
    let refused = web
        .post(
            UserRole::Applicant,
            &format!("{path}/applications"),
            &form("2027-03-31"),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(
            "延長後の終了日（2027-03-31）は現在の終了日（2027-03-31）より後にしてください"
        )
    );
    assert!(refused.body.contains(">申請受付（継続）</textarea>"));
    assert!(refused.body.contains("<option value=\"renewal\" selected>"));
    let created = web
        .post(
            UserRole::Applicant,
            &format!("{path}/applications"),
            &form("2028-03-31"),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let application = created.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let shown = web.get(Some(UserRole::Applicant), &application).await;
    assert!(shown.body.contains("更新申請"));
    assert!(shown.body.contains(&format!("台帳 {}", web.ledger)));
    let listed = web.get(Some(UserRole::Auditor), &path).await;
    assert!(listed.body.contains("この項目の変更申請・更新申請"));
}

#[tokio::test]
async fn entries_past_their_period_are_expired_first_and_counted_at_home() {
    let web = Web::new().await;
    // The fixture's entry ends 2027-03-31; move it into the past.
    let approver = web.actor(UserRole::Approver);
    let mut fields = web
        .store
        .ledger_entry(approver, web.ledger)
        .await
        .unwrap()
        .fields;
    fields.period_start = time::macros::date!(2024 - 04 - 01);
    fields.period_end = time::macros::date!(2025 - 03 - 31);
    web.store
        .change_ledger(approver, web.ledger, 1, fields, "旧契約の期間に訂正")
        .await
        .unwrap();
    let home = web.get(Some(UserRole::Auditor), "/").await;
    assert!(
        home.body.contains("利用期間が過ぎた台帳（期限切れ）</h2><p class=\"big\"><a href=\"/ledger?expiring=expired\">1 件"),
        "{}",
        home.body
    );
    for filter in ["expired", "30", "60", "90"] {
        let list = web
            .get(
                Some(UserRole::Auditor),
                &format!("/ledger?expiring={filter}"),
            )
            .await;
        assert!(
            list.body
                .contains("<td class=\"nowrap s-expired\">期限切れ</td>"),
            "{filter}"
        );
    }
    let entry = web
        .get(Some(UserRole::Auditor), &format!("/ledger/{}", web.ledger))
        .await;
    assert!(
        entry
            .body
            .contains("<span class=\"s-expired\">期限切れ</span>")
    );
    let csv = web.get(Some(UserRole::Auditor), "/ledger.csv").await;
    assert!(csv.body.contains(",期限切れ,"));
    let dashboard = api(&web, "/api/v1/dashboard").await;
    assert_eq!(dashboard["expired"], 1);
    assert_eq!(dashboard["expiring_30"], 1);
}

#[tokio::test]
async fn each_profile_page_says_whether_pre_consultation_is_required() {
    let web = Web::new().await;
    let shunan = web
        .get(Some(UserRole::Applicant), "/profiles/shunan-2023")
        .await;
    assert!(shunan.body.contains(
        "利用申請の前に、許可権限者との事前協議で「協議済」の回答が必要です（周南市外部サービス利用基準 5(2)①）。"
    ));
    let sakai = web.get(Some(UserRole::Applicant), "/profiles/sakai").await;
    assert!(sakai.body.contains("事前協議は任意です"));
}
