//! Issue #11 in a real browser: an application approved as 条件付きで承認可能 at assessment
//! version 2 with the approver's recorded acceptance; then the applicant downloads the check
//! sheet, edits it and imports it into the same assessment. The approved application, its A4
//! record and the ledger must still show version 2, 条件付きで承認可能 and the acceptance with
//! its reason, and say 「承認後に変更あり」 with a page of what changed.

use sentei_core::assessment::Catalog;
use sentei_core::builtin_profiles;
use sentei_core::judgement::AnswerStatus;
use sentei_exchange::sheet::{self, Scope};

use crate::browser::launch;

const SERVICE: &str = "庁内問い合わせ対応AI";
const REASON_18: &str = "バックアップの複製が国外のデータセンターにも保存されるため";
const ACCEPTANCE: &str = "国外の保管先にも日本法が適用されることを契約で確認したため、受容します";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_stays_as_approved_when_the_sheet_is_edited_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let (j, dir) = (&browser.j, &browser.dir);
    let catalog = Catalog::new(builtin_profiles().unwrap());

    // The applicant registers the service and fills its assessment (version 1, then 2): on
    // the ISMAP list, backups kept abroad (item 18, 推奨, unmet with a reason).
    j.sign_in("demo-applicant").await;
    j.start_assessment(SERVICE, "例示クラウド株式会社", "shunan-2023")
        .await;
    let index_of = j.answer_shunan().await;
    let i18 = index_of("18");
    j.click(&format!("input[name='s.{i18}'][value='unmet']"))
        .await;
    j.type_into(&format!("#r-{i18}"), REASON_18).await;
    j.press("保存する").await;
    j.see("保存しました").await;
    j.see("評価の版: 2").await;
    let verdict = j.css("#verdict").await.text().await.unwrap();
    assert!(verdict.contains("条件付きで承認可能"), "{verdict}");
    let assessment = j.url().await;
    let assessment_path = assessment
        .split_once("/assessments/")
        .map(|(_, rest)| format!("/assessments/{}", rest.split('?').next().unwrap()))
        .unwrap();

    // Consultation answered 協議済, then the application submitted at version 2.
    let application = j
        .draft_application("職員からの問い合わせへの自動応答", "全庁")
        .await;
    j.press("事前協議を依頼する").await;
    j.status_is("事前協議中").await;
    j.switch("demo-approver", &application).await;
    j.press("協議済として回答する").await;
    j.status_is("協議済").await;
    j.switch("demo-applicant", &application).await;
    j.press("利用申請する").await;
    j.status_is("申請中").await;

    // The approver records the acceptance with its reason and approves version 2.
    j.switch("demo-approver", &application).await;
    j.see("版 2: 申請した版").await;
    j.type_into("#reason", ACCEPTANCE).await;
    j.press("例外の承認を記録する").await;
    j.see("例外の承認を記録しました").await;
    j.press("承認する").await;
    // 承認 asks first, on a page of its own (issue 13).
    j.press("承認を確定する").await;
    j.status_is("承認済み").await;
    j.sign_out().await;

    // The applicant downloads the check sheet, answers item 18 met, and imports it into the
    // same assessment.
    j.sign_in("demo-applicant").await;
    j.client.goto(&assessment).await.unwrap();
    j.see("承認されています").await;
    let bytes = j
        .fetch(&format!("{assessment_path}/sheet.xlsx"))
        .await
        .bytes;
    let mut edited = sheet::import("チェックシート.xlsx", &bytes, &catalog)
        .unwrap()
        .assessment;
    edited.answers[i18] = Some(sentei_core::Answer {
        bulk: false,
        status: AnswerStatus::Met,
        reason: None,
        evidence: Some("国内のみで保管する旨の確認書".to_owned()),
    });
    let file = dir.path().join("記入済みチェックシート.xlsx");
    std::fs::write(
        &file,
        sheet::export(
            catalog.get("shunan-2023").unwrap(),
            &edited,
            Scope::Applicable,
        )
        .unwrap(),
    )
    .unwrap();
    j.css("#sheet")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    j.press("読み込んで変更点を確かめる").await;
    j.see("国内のみで保管する旨の確認書").await;
    j.press("この内容で保存する").await;
    j.see("チェックシートの回答を保存しました").await;
    j.see("評価の版: 3").await;
    let verdict = j.css("#verdict").await.text().await.unwrap();
    assert!(verdict.contains("承認可能"), "{verdict}");

    // The approved application still shows version 2, 条件付きで承認可能 and the acceptance.
    j.client.goto(&application).await.unwrap();
    j.status_is("承認済み").await;
    j.see("版 2: 承認した版").await;
    j.see(ACCEPTANCE).await;
    j.see("承認後に変更あり").await;
    let badge = j.css("dl.facts span.badge").await.text().await.unwrap();
    assert_eq!(badge, "条件付きで承認可能");
    j.shot("7-approved-then-changed").await;

    // The difference, fact by fact and answer by answer.
    j.click("a[href$='/changes']").await;
    j.see("変更前（版 2）").await;
    j.see("項目 18").await;
    j.see(&format!("満たさない（理由: {REASON_18}）")).await;
    j.see("満たす（根拠: 国内のみで保管する旨の確認書）").await;
    j.shot("7-changes").await;

    // The A4 record: as approved.
    j.client
        .goto(&format!("{application}/report"))
        .await
        .unwrap();
    j.see("判定: 条件付きで承認可能").await;
    j.see("版 2: 承認した版").await;
    j.see(ACCEPTANCE).await;
    j.see(&format!("理由: {REASON_18}")).await;
    let record = j.text().await;
    assert!(
        !record.contains("国内のみで保管する旨の確認書"),
        "the record shows what was approved, not the later edit"
    );
    j.shot("7-report").await;

    // The ledger entry stands on the approval as it was.
    j.client.goto(&application).await.unwrap();
    j.click("dl.facts a[href^='/ledger/']").await;
    j.see("承認後に変更あり").await;
    j.see("条件付きで承認可能").await;
    j.shot("7-ledger-entry").await;
    browser.j.client.close().await.unwrap();
}
