//! Issue 13 in a real browser: the approver's desk and a refusal that keeps the form.
//!
//! The applicant's application (周南市; items 1 and 5, both 推奨, unmet with reasons; a file on
//! item 1) is made through the API with the applicant's own token. The approver opens it,
//! reads the two items with their requirement, answers and file beside the acceptance form,
//! is told why 承認する is not offered yet, records the acceptance, sees 承認する offered, and
//! approves after the page that asks. Then an application refused for its dates comes back
//! with everything as typed. Screenshots at 1400 px and 390 px are kept in
//! `target/screenshots/`.

use serde_json::{Value, json};

use crate::browser::{Journey, launch};

const SERVICE: &str = "住民問い合わせチャットボット";
const WIDTHS: [u32; 2] = [1400, 390];

/// A read-write API token of the signed-in user, made on the account page.
async fn token(j: &Journey) -> String {
    j.open("/account").await;
    j.type_into("#token-name", "申請の準備").await;
    j.css("#token-scope")
        .await
        .select_by_value("read_write")
        .await
        .unwrap();
    j.press("トークンを作る").await;
    j.css("p.once")
        .await
        .text()
        .await
        .unwrap()
        .trim()
        .to_owned()
}

/// An API call made by the page with a token; the JSON answer.
async fn api(j: &Journey, token: &str, method: &str, path: &str, body: Value) -> Value {
    let script = "const [method, path, token, body, done] = arguments;
        fetch(path, { method, headers: { 'Authorization': 'Bearer ' + token,
            'Content-Type': 'application/json' }, body: JSON.stringify(body) })
            .then(r => r.json().then(j => done({ status: r.status, body: j })))
            .catch(e => done({ status: 0, body: String(e) }));";
    let answer = j
        .client
        .execute_async(script, vec![json!(method), json!(path), json!(token), body])
        .await
        .unwrap();
    assert_eq!(answer["status"], 200, "{method} {path}: {answer}");
    answer["body"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approver_decides_at_the_desk_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;

    // The applicant's application, made through the API, consulted and submitted.
    j.sign_in("demo-applicant").await;
    let applicant = token(j).await;
    let service = api(
        j,
        &applicant,
        "POST",
        "/api/v1/services",
        json!({ "name": SERVICE, "provider": "例示ソフト株式会社" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let assessment = api(
        j,
        &applicant,
        "POST",
        &format!("/api/v1/services/{service}/assessments"),
        json!({
            "profile": "shunan-2023",
            "service": { "name": SERVICE, "provider": "例示ソフト株式会社" },
            "facts": { "classification": "2", "certifications": ["csp_iso27001"] },
            "answers": { "default": "met", "items": {
                "1": { "status": "unmet", "reason": "同等の機能をもつ ISMAP 登録サービスがないため",
                       "evidence": "事業者の回答書（令和8年4月）" },
                "5": { "status": "unmet", "reason": "代替となるサービスがほかにないため" }
            } }
        }),
    )
    .await;
    assert_eq!(assessment["verdict"], "conditional");
    let assessment = assessment["id"].as_i64().unwrap();
    // The vendor's answer sheet as evidence of item 1, sent as the file itself.
    let script = "const [path, token, done] = arguments;
        fetch(path + '?item=1&file_name=' + encodeURIComponent('回答書.pdf'), { method: 'POST',
            headers: { 'Authorization': 'Bearer ' + token,
                       'Content-Type': 'application/octet-stream' },
            body: new TextEncoder().encode('%PDF-1.7 回答書') })
            .then(r => done(r.status)).catch(e => done(String(e)));";
    let attached = j
        .client
        .execute_async(
            script,
            vec![
                json!(format!("/api/v1/assessments/{assessment}/attachments")),
                json!(applicant),
            ],
        )
        .await
        .unwrap();
    assert_eq!(attached, json!(201));
    let application = api(
        j,
        &applicant,
        "POST",
        "/api/v1/applications",
        json!({ "service_id": service, "assessment_id": assessment,
                "purpose": "市民からの問い合わせへの自動応答", "user_scope": "市民課",
                "period_start": "2026-04-01", "period_end": "2027-03-31" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let act = |token: String, action: &'static str| async move {
        api(
            j,
            &token,
            "POST",
            &format!("/api/v1/applications/{application}/actions"),
            json!({ "action": action, "comment": "ご確認ください" }),
        )
        .await;
    };
    act(applicant.clone(), "start_pre_consultation").await;
    j.sign_out().await;
    j.sign_in("demo-approver").await;
    let approver = token(j).await;
    act(approver, "conclude_consultation").await;
    act(applicant, "submit").await;

    // The desk: both items, their requirement and the answers, and why 承認する waits.
    let page = format!("/applications/{application}");
    j.open(&page).await;
    j.see("判断する項目（2 件）").await;
    j.see("項番1").await;
    j.see("同等の機能をもつ ISMAP 登録サービスがないため").await;
    j.see("事業者の回答書（令和8年4月）").await;
    j.find(fantoccini::Locator::XPath(
        "//article[contains(@class,'desk-item')]//a[normalize-space(.)='回答書.pdf']",
    ))
    .await;
    j.see("情報システム管理者による例外の承認がまだ記録されていません（項番1、項番5）")
        .await;
    let approve = "//button[normalize-space(.)='承認する']";
    assert!(
        j.client
            .find(fantoccini::Locator::XPath(approve))
            .await
            .is_err(),
        "承認する is not offered before the acceptance"
    );
    j.shot_at("13-desk", &WIDTHS).await;

    // The acceptance, beside the items; then 承認する is offered and asks first.
    j.type_into("#reason", "代替策がないことを確認し、例外として承認します")
        .await;
    j.press("例外の承認を記録する").await;
    j.see("例外の承認を記録しました").await;
    assert!(!j.text().await.contains("承認する前に必要なこと"));
    j.shot_at("13-desk-accepted", &WIDTHS).await;
    j.press("承認する").await;
    j.see("この申請を承認します").await;
    j.see(SERVICE).await;
    j.shot_at("13-confirm-approval", &WIDTHS).await;
    j.press("承認を確定する").await;
    j.status_is("承認済み").await;
    j.sign_out().await;

    // A refused draft comes back as typed: the period ends before it starts.
    j.sign_in("demo-applicant").await;
    j.open(&format!("/services/{service}")).await;
    j.type_into("#purpose", "窓口予約の受付").await;
    j.type_into("#user_scope", "市民課と総務課").await;
    for (field, value) in [("period_start", "2026-10-01"), ("period_end", "2026-04-01")] {
        let element = j.css(&format!("#{field}")).await;
        j.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![serde_json::to_value(&element).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }
    j.press("下書きを作る").await;
    j.see("(オ) 利用期間の終了日が開始日より前です").await;
    let purpose = j.css("#purpose").await.prop("value").await.unwrap();
    assert_eq!(purpose.as_deref(), Some("窓口予約の受付"));
    let scope = j.css("#user_scope").await.prop("value").await.unwrap();
    assert_eq!(scope.as_deref(), Some("市民課と総務課"));
    let end = j.css("#period_end").await.prop("value").await.unwrap();
    assert_eq!(end.as_deref(), Some("2026-04-01"));
    j.shot_at("13-refused-form", &WIDTHS).await;

    // A form the page sent without one of its fields (here taken out of the page): the form
    // again, as typed, the field named in Japanese, never the framework's English.
    j.open("/services/new").await;
    j.type_into("#name", "文書共有サービス").await;
    j.type_into("#description", "庁内の文書を共有する").await;
    j.client
        .execute("document.querySelector('#provider').remove();", vec![])
        .await
        .unwrap();
    j.press("登録する").await;
    j.see("「提供者の名称」が入力されていません").await;
    let text = j.text().await;
    assert!(
        !text.contains("deserialize") && !text.contains("missing field"),
        "{text}"
    );
    let name = j
        .css("input[name='name']")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("文書共有サービス"));
    j.shot_at("13-refused-missing-field", &WIDTHS).await;
    j.type_into("input[name='provider']", "例示クラウド株式会社")
        .await;
    j.press("もう一度送る").await;
    j.see("作成しました").await;
    browser.j.client.close().await.unwrap();
}
