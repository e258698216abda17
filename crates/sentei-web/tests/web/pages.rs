//! The Japanese pages doing their work: the check-sheet editor (live preview, conflicts,
//! problems kept with the input), the application from a form to the ledger, and the pages
//! that report.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;

use crate::harness::{Reply, Web, enc, fresh_assessment};

fn location(reply: &Reply) -> String {
    reply.headers[header::LOCATION].to_str().unwrap().to_owned()
}

async fn stored_assessment(web: &Web, id: i64) -> sentei_store::StoredAssessment {
    let actor = web.actor(UserRole::Applicant);
    web.store.assessment(actor, id).await.unwrap()
}

#[tokio::test]
async fn the_editor_shows_every_item_with_its_source_text() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert_eq!(page.status, 200);
    let profile = web.catalog.get("city-checklist").unwrap();
    assert_eq!(
        page.body.matches("<fieldset class=\"item").count(),
        profile.items.len()
    );
    for item in &profile.items {
        let text = askama_escape(&item.text);
        assert!(page.body.contains(&text), "item {} text missing", item.id);
    }
    assert!(page.body.contains("承認可"), "the stored verdict is shown");
    // Others may read it but not edit it.
    let auditor = web
        .get(Some(UserRole::Auditor), &format!("/assessments/{id}"))
        .await;
    assert_eq!(auditor.status, 200);
    assert!(!auditor.body.contains("<button>保存する</button>"));
    assert!(auditor.body.contains(" disabled"));
}

/// `answers.default` is no evidence that switches a rule; the editor must not turn it into
/// answers written item by item when someone saves (issue 10).
#[tokio::test]
async fn the_editor_keeps_items_left_to_the_default() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let page = web
        .get(Some(UserRole::Applicant), &format!("/assessments/{id}"))
        .await;
    assert!(page.body.contains("既定の回答（満たす）"));
    assert!(
        page.body.contains("name=\"s.2\" value=\"default\" checked"),
        "an item without its own answer follows the default"
    );
    // Saving the form as shown, with one item answered, keeps the rest on the default.
    let saved = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{id}"),
            "version=1&model=saas&f.classification=2&cert=ismap&s.2=unmet&r.2=SLA%E3%81%AA%E3%81%97&s.4=default&s.13=default",
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = stored_assessment(&web, id).await;
    assert_eq!(stored.document["answers"]["default"], "met");
    let items = stored.document["answers"]["items"].as_object().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items["1.3"]["status"], "unmet");
}

/// Escapes like the templates do, to find item texts in a page.
fn askama_escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_preview_answers_htmx_with_a_fragment_and_saves_nothing() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    // Classification 3 without ISMAP, and 1.14 (a must item) unmet.
    let form = "version=1&model=saas&f.classification=3&s.0=unmet&s.13=unmet";
    let reply = web
        .send(
            Request::post(format!("/assessments/{id}/preview"))
                .header(header::COOKIE, &cookie)
                .header("hx-request", "true")
                .header("x-csrf-token", &csrf)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        !reply.body.contains("<html"),
        "htmx gets a fragment, not a page"
    );
    assert!(
        reply.body.starts_with("<div id=\"verdict\""),
        "{}",
        &reply.body[..200.min(reply.body.len())]
    );
    assert!(
        reply.body.contains("hx-swap-oob=\"true\""),
        "item statuses are swapped out of band"
    );
    assert!(reply.body.contains("承認不可"), "{}", reply.body);
    // Without script the same button shows the whole page.
    let page = web
        .send(
            Request::post(format!("/assessments/{id}/preview"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&{form}")))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<html") && page.body.contains("承認不可"));
    let stored = stored_assessment(&web, id).await;
    assert_eq!(stored.version, 1, "a preview must not save");
    assert_eq!(stored.document["facts"]["classification"], "2");
}

/// The indexes of a profile's items answered on the sheet (not decided by certifications or
/// by other items).
fn answerable(web: &Web, profile: &str) -> Vec<usize> {
    let profile = web.catalog.get(profile).unwrap();
    (0..profile.items.len())
        .filter(|&i| profile.items[i].certification.is_none() && !profile.items[i].is_derived())
        .collect()
}

#[tokio::test]
async fn a_save_over_someone_elses_keeps_what_you_typed() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let path = format!("/assessments/{id}");
    let i = answerable(&web, "city-checklist")[0];
    // Someone else of the same department saves first, from the same version 1.
    let colleague = web
        .add_user("kimura", "情報政策課", UserRole::Applicant)
        .await;
    let first = web
        .post_as(
            &colleague,
            &path,
            &format!("version=1&model=saas&f.classification=2&cert=ismap&s.{i}=met"),
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(location(&first), format!("/assessments/{id}?done=saved"));
    let mine = format!(
        "version=1&model=saas&f.classification=2&cert=ismap&s.{i}=unmet&r.{i}={}",
        enc("庁内ネットワークからのみ利用するため")
    );
    let second = web.post(UserRole::Applicant, &path, &mine).await;
    assert_eq!(second.status, 409);
    assert!(second.body.contains("role=\"alert\""));
    assert!(
        second.body.contains("庁内ネットワークからのみ利用するため"),
        "the typed reason must survive the conflict"
    );
    assert!(
        second.body.contains("name=\"version\" value=\"2\""),
        "saving again overwrites version 2 deliberately"
    );
    let stored = stored_assessment(&web, id).await;
    assert_eq!(stored.version, 2);
    // Saving again, having seen the conflict, is accepted.
    let again = web
        .post(
            UserRole::Applicant,
            &path,
            &mine.replace("version=1", "version=2"),
        )
        .await;
    assert_eq!(again.status, 303);
    let stored = stored_assessment(&web, id).await;
    assert_eq!(stored.version, 3);
}

#[tokio::test]
async fn an_invalid_sheet_is_refused_with_the_problem_and_the_input_kept() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let i = answerable(&web, "city-checklist")[0];
    let reason = "理由の下書き";
    let form = format!(
        "version=1&model=saas&f.classification=&s.{i}=unmet&r.{i}={}",
        enc(reason)
    );
    let reply = web
        .post(UserRole::Applicant, &format!("/assessments/{id}"), &form)
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("入力に問題があります"));
    assert!(
        reply.body.contains("classification") || reply.body.contains("機密性"),
        "the problem names the field"
    );
    assert!(reply.body.contains(reason));
    let stored = stored_assessment(&web, id).await;
    assert_eq!(stored.version, 1);
}

#[tokio::test]
async fn an_application_goes_from_the_forms_to_the_ledger() {
    let web = Web::new().await;
    let name = "議事録作成支援サービス";
    let created = web
        .post(
            UserRole::Applicant,
            "/services",
            &format!("name={}&provider={}", enc(name), enc("例示AI株式会社")),
        )
        .await;
    assert_eq!(created.status, 303);
    let service: i64 = location(&created)
        .trim_start_matches("/services/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let started = web
        .post(
            UserRole::Applicant,
            &format!("/services/{service}/assessments"),
            "profile=city-checklist&classification=2",
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let assessment: i64 = location(&started)
        .trim_start_matches("/assessments/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut form = "version=1&model=saas&f.classification=2&cert=ismap".to_owned();
    for index in answerable(&web, "city-checklist") {
        form.push_str(&format!("&s.{index}=met"));
    }
    let saved = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{assessment}"),
            &form,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let applied = web
        .post(
            UserRole::Applicant,
            "/applications",
            &format!("service_id={service}&assessment_id={assessment}&purpose={}&user_scope={}&period_start=2026-12-01&period_end=2027-11-30", enc("会議録の作成"), enc("議会事務局")),
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let application = location(&applied);
    for action in ["start_pre_consultation", "submit"] {
        let reply = web
            .post(
                UserRole::Applicant,
                &format!("{}/act", application.split('?').next().unwrap()),
                &format!("action={action}"),
            )
            .await;
        assert_eq!(reply.status, 303, "{action}: {}", reply.body);
    }
    let application = application.split('?').next().unwrap().to_owned();
    let review = web.get(Some(UserRole::Approver), &application).await;
    assert!(
        review.body.contains("承認する"),
        "the approver is offered approval"
    );
    assert!(
        review
            .body
            .contains("name=\"seen_assessment_version\" value=\"2\"")
    );
    let approved = web
        .post(
            UserRole::Approver,
            &format!("{application}/act"),
            "action=approve&seen_assessment_version=2&comment=OK&confirmed=yes",
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let shown = web.get(Some(UserRole::Applicant), &application).await;
    assert!(shown.body.contains("承認済み"));

    let ledger = web.get(Some(UserRole::Ciso), "/ledger").await;
    assert!(
        ledger.body.contains(name),
        "the ledger lists the approved service"
    );
    let csv = web.get(Some(UserRole::Ciso), "/ledger.csv").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(csv.body.contains(name) && csv.body.contains("議会事務局"));
    // The same ledger in Shift_JIS (CP932) on request: no byte-order mark, Japanese intact.
    let sjis = web
        .get(Some(UserRole::Ciso), "/ledger.csv?encoding=cp932")
        .await;
    assert_eq!(
        sjis.headers[header::CONTENT_TYPE],
        "text/csv; charset=shift_jis"
    );
    assert!(!sjis.bytes.starts_with(b"\xEF\xBB\xBF"));
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!errors);
    assert_eq!(decoded, csv.body.trim_start_matches('\u{FEFF}'));
    let workbook = web.get(Some(UserRole::Ciso), "/ledger.xlsx").await;
    assert_eq!(workbook.status, 200);
    assert_eq!(
        workbook.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(workbook.bytes.starts_with(b"PK"));
    assert!(
        workbook.bytes.len() > 4_000,
        "a workbook with the entries, not an empty one"
    );
    let audit = web.get(Some(UserRole::Auditor), "/audit").await;
    assert!(
        audit.body.contains(&format!(
            "<td>申請: 承認</td><td><a href=\"{application}\">"
        )),
        "the approval is in the trail, linked to the application"
    );
    let verify = web.get(Some(UserRole::Auditor), "/audit/verify").await;
    assert!(
        verify.body.contains("改ざんはありません"),
        "{}",
        verify.body
    );
}

#[tokio::test]
async fn ledger_entries_are_extended_and_abolished_from_their_page() {
    let web = Web::new().await;
    let path = format!("/ledger/{}", web.ledger);
    let extended = web
        .post(
            UserRole::Approver,
            &format!("{path}/extend"),
            "version=1&new_end=2028-03-31&comment=%E7%B6%99%E7%B6%9A",
        )
        .await;
    assert_eq!(extended.status, 303, "{}", extended.body);
    let stale = web
        .post(
            UserRole::Approver,
            &format!("{path}/abolish"),
            "version=1&on=2027-01-31",
        )
        .await;
    assert_eq!(stale.status, 409, "an old version is a conflict");
    let bad_date = web
        .post(
            UserRole::Approver,
            &format!("{path}/abolish"),
            "version=2&on=31%2F01%2F2027",
        )
        .await;
    assert_eq!(bad_date.status, 422);
    assert!(bad_date.body.contains("2026-04-01 の形"));
    let abolished = web
        .post(
            UserRole::Approver,
            &format!("{path}/abolish"),
            "version=2&on=2027-01-31",
        )
        .await;
    assert_eq!(abolished.status, 303);
    let page = web.get(Some(UserRole::Auditor), &path).await;
    assert!(page.body.contains("廃止"));
    assert!(page.body.contains("2028-03-31") || page.body.contains("令和10年3月31日"));
}

#[tokio::test]
async fn a_form_missing_a_field_gets_the_japanese_error_page() {
    let web = Web::new().await;
    let reply = web.post(UserRole::Applicant, "/services", "name=x").await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("<html lang=\"ja\">"));
    // The field named, the form as typed (issue 13).
    assert!(reply.body.contains("「提供者の名称」が入力されていません"));
    assert!(reply.body.contains("name=\"name\" value=\"x\""));
}

#[tokio::test]
async fn unknown_records_are_a_japanese_404() {
    let web = Web::new().await;
    for path in ["/services/999999", "/ledger/999999", "/profiles/nothing"] {
        let reply = web.get(Some(UserRole::Applicant), path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.body.contains("見つかりません"), "{path}");
    }
}

#[tokio::test]
async fn the_dashboard_draws_its_chart_without_script() {
    let web = Web::new().await;
    let page = web.get(Some(UserRole::Ciso), "/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "the chart is inline SVG");
    assert!(page.body.contains("承認済み"));
}

#[tokio::test]
async fn the_printable_report_shows_the_decision_every_item_and_the_history_in_japanese() {
    let web = Web::new().await;
    let id = web.application;
    let page = web
        .get(
            Some(UserRole::Auditor),
            &format!("/applications/{id}/report"),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for needle in [
        "外部サービス利用判断の記録",
        "(ア) サービス",
        "(キ) 利用者の範囲",
        "判定: ",
        "経過",
        "令和",
        "<td>機密性2</td>",
    ] {
        assert!(page.body.contains(needle), "{needle} missing");
    }
    // Every item of the profile is listed: the applicable ones a row each in the item table,
    // the others by number beside the reason they do not apply.
    let stored = web
        .store
        .assessment(web.actor(UserRole::Auditor), web.assessment)
        .await
        .unwrap();
    let judgement = sentei_core::record::RecordedJudgement::parse(stored.judgement.get()).unwrap();
    let table = page.body.split("class=\"report-items\"").nth(1).unwrap();
    let (table, skipped) = table.split_once("</table>").unwrap();
    let applicable = judgement.items.iter().filter(|i| i.applies).count();
    assert_eq!(table.matches("<tr>").count() - 1, applicable);
    for item in judgement.items.iter().filter(|i| !i.applies) {
        assert!(skipped.contains(&item.id), "{} missing", item.id);
    }
    // Printed without the site's navigation, with the print rules of the stylesheet.
    assert!(!page.body.contains("<nav"));
    assert!(page.body.contains("class=\"report\""));
    let application = web
        .get(Some(UserRole::Applicant), &format!("/applications/{id}"))
        .await;
    assert!(
        application
            .body
            .contains(&format!("/applications/{id}/report"))
    );
}

/// Issue 13: the ledger page links each service to its entry, shows (ウ) 利用目的, sorts by a
/// heading, filters by department, and keeps dates and statuses whole.
#[tokio::test]
async fn the_ledger_page_sorts_filters_and_links_its_entries() {
    let web = Web::new().await;
    let page = web.get(Some(UserRole::Auditor), "/ledger").await;
    assert_eq!(page.status, 200);
    let entry = format!("/ledger/{}", web.ledger);
    assert!(
        page.body.matches(&format!("href=\"{entry}\"")).count() >= 2,
        "the number and the service name link to the entry"
    );
    assert!(page.body.contains("(ウ) 利用目的"));
    assert!(
        page.body.contains("class=\"table-wrap\""),
        "the table scrolls in its own box"
    );
    assert!(
        page.body.contains("class=\"nowrap s-"),
        "statuses do not break"
    );
    let start = page.body.find("<thead>").unwrap();
    assert!(
        page.body
            .contains("href=\"/ledger?sort=period&#38;dir=asc\""),
        "{}",
        &page.body[start..start + 600]
    );
    let sorted = web
        .get(Some(UserRole::Auditor), "/ledger?sort=period&dir=asc")
        .await;
    assert!(sorted.body.contains("aria-sort=\"ascending\""));
    assert!(
        sorted
            .body
            .contains("href=\"/ledger?sort=period&#38;dir=desc\""),
        "pressed again, the order turns"
    );
    let entry_row = web
        .store
        .ledger_entry(web.actor(UserRole::Auditor), web.ledger)
        .await
        .unwrap();
    let department = entry_row.fields.applicant_department.clone();
    assert!(
        page.body
            .contains(&format!("<option value=\"{department}\">"))
    );
    let mine = web
        .get(
            Some(UserRole::Auditor),
            &format!("/ledger?department={}", enc(&department)),
        )
        .await;
    assert!(mine.body.contains(&format!("href=\"{entry}\"")));
    let other = web
        .get(
            Some(UserRole::Auditor),
            &format!("/ledger?department={}", enc("存在しない課")),
        )
        .await;
    assert!(!other.body.contains(&format!("href=\"{entry}\"")));
    assert!(other.body.contains("0 件"));
}

#[tokio::test]
async fn the_profile_page_names_each_items_shared_controls_in_japanese() {
    let web = Web::new().await;
    let page = web
        .get(Some(UserRole::Applicant), "/profiles/ward-annex")
        .await;
    // 000 No.1: Japanese law and the courts of Japan; No.9: the ward's evaluation, informed
    // in part by ISMAP and ISO/IEC 27017.
    assert!(
        page.body
            .contains("共有の管理策: 日本の法令の適用（準拠法）、日本の裁判所の管轄"),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "共有の管理策: 事業者の信頼性の評価、ISO/IEC 27017 認証（一部）、ISMAP・ISMAP-LIU への登録（一部）"
    ));
    assert!(!page.body.contains("japanese-courts"), "ids stay in files");
}
