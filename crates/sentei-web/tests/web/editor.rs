//! The editor for long check sheets (issue 13, item 2): filters that need no reload, the bulk
//! answer 「残りをすべて満たすにする」 and what it records, a save bar that stays in sight, verdict
//! items linked to their rows, messages in the page's words, one badge per row, the document's
//! own item numbers, and the sheet upload under its own heading.

use sentei_core::workflow::UserRole;

use crate::harness::{Web, enc};

/// 001 at classification 2 with no certificate and no answer: every item waits for a person.
const CITY_BLANK: &str = "profile: city-checklist\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\n";

/// 004 at 3B over a local breakout (configuration C), certified ISO/IEC 27001 and 27017.
const SAKAI: &str = "profile: sakai\nservice: { name: x, provider: y }\nfacts: { classification: 3B, connection: local_breakout, breakout_configuration: C, certifications: [csp_iso27001, csp_iso27017] }\n";

async fn assessment(web: &Web, document: &str) -> i64 {
    web.store
        .create_assessment(
            web.actor(UserRole::Applicant),
            &web.catalog,
            web.service,
            document,
        )
        .await
        .unwrap()
        .id
}

fn index_of(web: &Web, profile: &str, id: &str) -> usize {
    web.catalog
        .get(profile)
        .unwrap()
        .items
        .iter()
        .position(|i| i.id == id)
        .unwrap()
}

/// The HTML of one item's row on the editor page.
fn row(page: &str, index: usize) -> &str {
    let start = page
        .find(&format!("id=\"item-{index}\""))
        .unwrap_or_else(|| panic!("no row {index}"));
    let end = page[start..].find("</fieldset>").unwrap() + start;
    &page[start..end]
}

#[tokio::test]
async fn the_filters_work_on_the_rows_judgement_and_show_everything_without_script() {
    let web = Web::new().await;
    let id = assessment(&web, CITY_BLANK).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert_eq!(page.status, 200);
    // Hidden until the script shows them: without script no filter is offered and no row is
    // hidden.
    assert!(
        page.body
            .contains("<div class=\"item-tools\" data-item-tools hidden>")
    );
    for filter in ["未回答だけ", "承認を妨げる項目だけ", "対象外を隠す"] {
        assert!(page.body.contains(filter), "{filter}");
    }
    assert!(
        !page
            .body
            .contains("<fieldset class=\"item level-must\" hidden")
    );
    let profile = web.catalog.get("city-checklist").unwrap();
    assert_eq!(
        page.body.matches("<fieldset class=\"item ").count(),
        profile.items.len()
    );
    // Each row carries what the filters read, and the preview keeps it current.
    let unanswered = row(&page.body, index_of(&web, "city-checklist", "1.12"));
    assert!(
        unanswered.contains("data-answerable=\"true\""),
        "{unanswered}"
    );
    assert!(
        unanswered.contains("data-outcome=\"missing\""),
        "{unanswered}"
    );
    let gate = row(&page.body, index_of(&web, "city-checklist", "1.2"));
    assert!(gate.contains("data-outcome="), "{gate}");
    let script = page
        .body
        .split("<script src=\"")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#38;", "&");
    assert!(script.starts_with("/static/editor.js?v="), "{script}");
    let js = web.get(None, &script).await;
    assert_eq!(js.status, 200);
    for filter in ["unanswered", "blocking", "applicable"] {
        assert!(js.body.contains(&format!("{filter}: function")), "{filter}");
        assert!(page.body.contains(&format!("data-filter=\"{filter}\"")));
    }
}

#[tokio::test]
async fn filling_the_rest_records_bulk_answers_that_switch_no_rule() {
    let web = Web::new().await;
    let id = assessment(&web, CITY_BLANK).await;
    let path = format!("/assessments/{id}");
    let i_16 = index_of(&web, "city-checklist", "1.16");
    let i_6 = index_of(&web, "city-checklist", "1.6");
    let i_12 = index_of(&web, "city-checklist", "1.12");
    // 1.12 is answered by hand, unmet with its reason; the rest is left to the action.
    let reason = enc("バックアップが海外に保存される");
    let filled = web
        .post(
            UserRole::Applicant,
            &format!("{path}/fill"),
            &format!("version=1&f.classification=2&s.{i_12}=unmet&r.{i_12}={reason}"),
        )
        .await;
    assert_eq!(filled.status, 303, "{}", filled.body);
    assert_eq!(
        filled.headers["location"],
        format!("/assessments/{id}?done=filled")
    );
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let items = &stored.document["answers"]["items"];
    assert_eq!(items["1.6"]["status"], "met");
    assert_eq!(items["1.6"]["by"], "bulk");
    assert_eq!(items["1.12"]["status"], "unmet");
    assert!(items["1.12"].get("by").is_none());
    // 1.6 and 1.7 "met" would skip 1.16–1.28 if they were evidence; answers of the bulk action
    // are not: 1.16 still applies, and is itself answered by the action.
    assert_eq!(items["1.16"]["by"], "bulk");
    let judgement = sentei_core::record::RecordedJudgement::parse(stored.judgement.get()).unwrap();
    let judged = |id: &str| judgement.items.iter().find(|i| i.id == id).unwrap();
    assert!(judged("1.16").applies);
    assert!(judged("1.6").applies);
    // The editor shows them as 「満たす（一括）」, and saving the form keeps them so.
    let page = web
        .get(Some(UserRole::Applicant), &format!("{path}?done=filled"))
        .await;
    assert!(
        page.body
            .contains("未回答だった適用される項目を「満たす（一括）」にして保存しました")
    );
    let six = row(&page.body, i_6);
    assert!(
        six.contains("value=\"bulk\" checked> 満たす（一括）"),
        "{six}"
    );
    let again = web
        .post(
            UserRole::Applicant,
            &path,
            &format!("version=2&f.classification=2&s.{i_6}=bulk&s.{i_16}=met"),
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    assert_eq!(stored.document["answers"]["items"]["1.6"]["by"], "bulk");
    assert!(
        stored.document["answers"]["items"]["1.16"]
            .get("by")
            .is_none_or(serde_json::Value::is_null)
    );
    // The audit trail says the action gave the answers.
    let audit = web.get(Some(UserRole::Auditor), "/audit").await;
    assert!(
        audit.body.contains("未回答 → 満たす（一括）"),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn the_save_bar_stays_in_sight_and_verdict_items_link_to_their_rows() {
    let web = Web::new().await;
    let id = assessment(&web, CITY_BLANK).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert!(page.body.contains("<div class=\"save-bar\">"));
    let css_path = page
        .body
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#38;", "&");
    let css = web.get(None, &css_path).await.body;
    let bar = css.split(".save-bar {").nth(1).unwrap();
    assert!(
        bar.split('}').next().unwrap().contains("position: sticky"),
        "{bar}"
    );
    // 「未回答の項目があります: 1.1, …」: each item a link to its row.
    let i_12 = index_of(&web, "city-checklist", "1.12");
    let verdict = page.body.split("<div id=\"verdict\"").nth(1).unwrap();
    let verdict = verdict.split("</div>").next().unwrap();
    assert!(
        verdict.contains(&format!("<a href=\"#item-{i_12}\">1.12</a>")),
        "{verdict}"
    );
    assert!(page.body.contains(&format!("id=\"item-{i_12}\"")));
}

#[tokio::test]
async fn messages_name_facts_by_their_labels_not_their_keys() {
    let web = Web::new().await;
    let id = assessment(&web, SAKAI).await;
    // A breakout configuration kept while the connection is changed to LGWAN-ASP.
    let form = "version=1&f.classification=3B&f.connection=lgwan_asp&f.breakout_configuration=C&cert=csp_iso27001";
    let refused = web
        .post(UserRole::Applicant, &format!("/assessments/{id}"), form)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let problems = refused.body.split("入力に問題があります").nth(1).unwrap();
    let problems = problems.split("</div>").next().unwrap();
    assert!(problems.contains("接続方式"), "{problems}");
    for internal in [
        "facts.",
        "lgwan_asp",
        "local_breakout",
        "breakout_configuration",
    ] {
        assert!(!problems.contains(internal), "{internal} in {problems}");
    }
    // What was typed is kept.
    assert!(
        refused
            .body
            .contains("<option value=\"lgwan_asp\" selected>")
    );
}

#[tokio::test]
async fn rows_show_the_documents_numbers_and_one_badge_each() {
    let web = Web::new().await;
    let id = assessment(&web, SAKAI).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    let common_2 = row(&page.body, index_of(&web, "sakai", "common-2"));
    assert!(
        common_2.contains("<span class=\"number\">別紙1① No.2</span>"),
        "{common_2}"
    );
    assert!(!common_2.contains("common-2"), "{common_2}");
    // Where the document prints no number (表1 rows), sentei's id is all there is.
    let t1 = row(&page.body, index_of(&web, "sakai", "t1-1"));
    assert!(t1.contains("<span class=\"number\">t1-1</span>"), "{t1}");
    // One badge for what the item comes to: no 「適用」 on every row, no 「対象外」 twice.
    let skipped = row(&page.body, index_of(&web, "sakai", "ipc-1"));
    assert_eq!(skipped.matches("class=\"badge").count(), 1, "{skipped}");
    assert_eq!(skipped.matches(">対象外<").count(), 1, "{skipped}");
    assert!(!page.body.contains("<span class=\"badge\">適用</span>"));
}

#[tokio::test]
async fn the_sheet_upload_has_its_own_heading() {
    let web = Web::new().await;
    let id = assessment(&web, CITY_BLANK).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    let heading = page
        .body
        .find("<h3 id=\"sheet-upload\">記入済みのチェックシートを読み込む</h3>")
        .unwrap();
    let upload = page
        .body
        .find(&format!("action=\"/assessments/{id}/sheet?csrf="))
        .unwrap();
    let links = page.body.find("事業者への回答依頼リンク</h2>").unwrap();
    assert!(heading < upload && upload < links);
    // Someone who cannot write the assessment is offered neither the upload nor the action.
    let auditor = web
        .get(Some(UserRole::Auditor), &format!("/assessments/{id}"))
        .await;
    assert!(!auditor.body.contains("sheet-upload"));
    assert!(!auditor.body.contains("/fill\""));
}
