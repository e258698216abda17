//! Issue #11, item 2, in a real browser: the pre-consultation of 周南市基準 5(2)①
//! 「許可権限者と事前協議した上で」 as evidence. The approver answers 要修正 with a comment; the
//! applicant is offered no way to apply and, asking anyway, is told why; the assessment is
//! completed and consulted on again, 協議済; an edit after 協議済 needs a new consultation; then
//! the application is made, and its history shows the whole exchange.

use fantoccini::Locator;

use crate::browser::{Journey, launch};

const SERVICE: &str = "電子契約サービス";
const REVISE: &str = "各項目の回答がまだありません。回答を記入してから、もう一度依頼してください";
const REASON_18: &str = "バックアップの複製が国外のデータセンターにも保存されるため";

/// Whether the page offers a button labelled `label`.
async fn offers(j: &Journey, label: &str) -> bool {
    let xpath = format!("//button[normalize-space(.)='{label}']");
    !j.client
        .find_all(Locator::XPath(&xpath))
        .await
        .unwrap()
        .is_empty()
}

/// Asks to apply although the page offers no such button, as a page left open from before
/// would: the server must refuse it and say why, inside the page (the caller waits for the
/// words, not for markup another change may restyle).
async fn apply_anyway(j: &Journey) {
    let script = "const form = document.querySelector(\"form[action$='/act']\");
        const button = document.createElement('button');
        button.name = 'action';
        button.value = 'submit';
        form.appendChild(button);
        button.click();";
    j.client.execute(script, vec![]).await.unwrap();
    j.url_has("/act").await;
}

/// The version of the assessment on its editor.
async fn version(j: &Journey) -> u32 {
    let text = j.text().await;
    let after = text.split_once("評価の版: ").unwrap().1;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// From the applicant's page of the application: asks for consultation with `request`; the
/// approver answers 協議済 with `answer`; back to the applicant, who sees it.
async fn consult(j: &Journey, application: &str, request: &str, answer: &str) {
    j.type_into("#comment", request).await;
    j.press("事前協議を依頼する").await;
    j.status_is("事前協議中").await;
    j.switch("demo-approver", application).await;
    j.type_into("#comment", answer).await;
    j.press("協議済として回答する").await;
    j.status_is("協議済").await;
    j.switch("demo-applicant", application).await;
    j.status_is("協議済").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultation_answered_revise_then_consulted_before_applying_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;

    // A new service whose assessment has nothing answered yet, and its draft application.
    j.sign_in("demo-applicant").await;
    j.start_assessment(SERVICE, "例示契約株式会社", "shunan-2023")
        .await;
    let assessment = j.url().await;
    let application = j
        .draft_application("契約書の電子締結", "契約担当の職員")
        .await;
    j.see("この基準では事前協議が必要です").await;
    assert!(!offers(j, "利用申請する").await, "no consultation yet");
    j.type_into(
        "#comment",
        "電子契約サービスの導入について確認をお願いします",
    )
    .await;
    j.press("事前協議を依頼する").await;
    j.status_is("事前協議中").await;

    // The approver answers 要修正; a 要修正 without a reason is refused first.
    j.switch("demo-approver", &application).await;
    j.press("要修正として回答する").await;
    j.see("要修正の回答には理由を書いてください").await;
    j.status_is("事前協議中").await;
    j.type_into("#comment", REVISE).await;
    j.press("要修正として回答する").await;
    j.status_is("下書き").await;
    j.shot("consultation-1-revise").await;

    // The applicant sees the answer and cannot apply; asking anyway is refused, with why.
    j.switch("demo-applicant", &application).await;
    j.status_is("下書き").await;
    j.see("要修正と回答した").await;
    j.see(REVISE).await;
    assert!(!offers(j, "利用申請する").await);
    apply_anyway(j).await;
    j.see("許可権限者と事前協議をして「協議済」の回答を受けてから利用申請します")
        .await;
    j.status_is("下書き").await;
    j.shot("consultation-2-cannot-apply").await;

    // The applicant completes the assessment and asks again; the approver answers 協議済.
    j.client.goto(&assessment).await.unwrap();
    let index_of = j.answer_shunan().await;
    j.press("保存する").await;
    j.see("保存しました").await;
    let consulted = version(j).await;
    j.client.goto(&application).await.unwrap();
    consult(
        j,
        &application,
        "回答を記入しました",
        "内容を確認しました。申請してください",
    )
    .await;

    // An edit after 協議済 makes a new version, and that needs a new consultation.
    j.see(&format!(
        "評価の版 {consulted} に「協議済」の回答があります"
    ))
    .await;
    assert!(offers(j, "利用申請する").await);
    j.client.goto(&assessment).await.unwrap();
    let i18 = index_of("18");
    j.click(&format!("input[name='s.{i18}'][value='unmet']"))
        .await;
    j.type_into(&format!("#r-{i18}"), REASON_18).await;
    j.press("保存する").await;
    j.see("保存しました").await;
    let edited = version(j).await;
    assert!(edited > consulted);
    j.client.goto(&application).await.unwrap();
    j.see("その後に評価が変更されたため、もう一度事前協議が必要です")
        .await;
    assert!(!offers(j, "利用申請する").await);
    apply_anyway(j).await;
    j.see(&format!(
        "「協議済」の回答は評価の版 {consulted} に対するものです（現在の版 {edited}）"
    ))
    .await;
    j.shot("consultation-3-stale").await;

    // Consulted on again, the application is made.
    consult(
        j,
        &application,
        "項目 18 を見直しました",
        "国外の保管先について了解しました",
    )
    .await;
    j.see(&format!("評価の版 {edited} に「協議済」の回答があります"))
        .await;
    j.press("利用申請する").await;
    j.status_is("申請中").await;

    // The history holds the whole exchange, each answer with its comment.
    let history = j.text().await;
    let history = history.split_once("経過").unwrap().1;
    let count = |event: &str| history.matches(event).count();
    assert_eq!(count("事前協議を依頼した"), 3, "{history}");
    assert_eq!(count("要修正と回答した"), 1, "{history}");
    assert_eq!(count("協議済と回答した"), 2, "{history}");
    assert_eq!(count("利用申請した"), 1, "{history}");
    for comment in [
        REVISE,
        "回答を記入しました",
        "内容を確認しました。申請してください",
        "項目 18 を見直しました",
        "国外の保管先について了解しました",
    ] {
        assert!(history.contains(comment), "{comment} is not in {history}");
    }
    j.shot("consultation-4-history").await;
    browser.j.client.close().await.unwrap();
}
