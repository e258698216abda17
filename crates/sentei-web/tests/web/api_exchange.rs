//! The API's check sheets, vendor answer links and report data: a sheet downloaded is one the
//! import reads; an upload as a dry run changes nothing, applied it saves like the editor, a
//! bad sheet is refused by its cells, a stale version is a conflict; links are made, listed
//! and revoked; the report carries the items' texts and the history.

use std::io::{Cursor, Read, Write};

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::judgement::AnswerStatus;
use sentei_core::workflow::{Action, UserRole};
use sentei_core::{Answer, Assessment};
use sentei_exchange::sheet::{self, Scope};
use serde_json::{Value, json};

use crate::harness::{Reply, Web, fresh_assessment};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn call(web: &Web, token: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    web.send(request.body(body).unwrap()).await
}

/// Sends a workbook as the body of `POST /api/v1/assessments/{id}/sheet?{query}`.
async fn upload(web: &Web, token: &str, id: i64, query: &str, bytes: Vec<u8>) -> Reply {
    web.send(
        Request::post(format!("/api/v1/assessments/{id}/sheet?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, XLSX)
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body))
}

/// The stored assessment, as the contract reads it, with its version.
async fn stored(web: &Web, id: i64) -> (i64, Assessment) {
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let assessment = web
        .catalog
        .parse_assessment(&stored.document.to_string())
        .unwrap();
    (stored.version, assessment)
}

/// The index of the first item a person answers in city-checklist.
fn answerable(web: &Web) -> usize {
    let profile = web.catalog.get("city-checklist").unwrap();
    (0..profile.items.len())
        .find(|&i| profile.items[i].certification.is_none() && !profile.items[i].is_derived())
        .unwrap()
}

/// The assessment with one item answered 満たさない with a reason, and its sheet.
fn filled(web: &Web, original: &Assessment) -> (Assessment, Vec<u8>) {
    let profile = web.catalog.get("city-checklist").unwrap();
    let mut filled = original.clone();
    filled.answers[answerable(web)] = Some(Answer {
        bulk: false,
        status: AnswerStatus::Unmet,
        reason: Some("国内のデータセンターは来年度に対応予定".to_owned()),
        evidence: None,
    });
    let bytes = sheet::export(profile, &filled, Scope::Applicable).unwrap();
    (filled, bytes)
}

#[tokio::test]
async fn the_sheet_downloads_as_a_workbook_the_import_reads() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (_, original) = stored(&web, id).await;
    let token = web.token(UserRole::Auditor).await;
    for query in ["", "?all=1"] {
        let reply = call(
            &web,
            &token,
            "GET",
            &format!("/api/v1/assessments/{id}/sheet.xlsx{query}"),
            None,
        )
        .await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(reply.headers[header::CONTENT_TYPE], XLSX);
        let disposition = reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let imported = sheet::import("api.xlsx", &reply.bytes, &web.catalog).unwrap();
        assert_eq!(imported.assessment, original, "{query}");
    }
    let missing = call(
        &web,
        &token,
        "GET",
        "/api/v1/assessments/9999/sheet.xlsx",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert!(json_of(&missing)["error"].is_string());
}

#[tokio::test]
async fn a_dry_run_reports_the_change_and_saves_nothing() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (version, original) = stored(&web, id).await;
    let (filled, bytes) = filled(&web, &original);
    let token = web.token(UserRole::Applicant).await;
    let profile = web.catalog.get("city-checklist").unwrap();
    let item = &profile.items[answerable(&web)].id;

    // dry_run=true, and no dry_run at all: both only look.
    for query in ["dry_run=true", ""] {
        let reply = upload(&web, &token, id, query, bytes.clone()).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        let preview = json_of(&reply);
        assert_eq!(preview["assessment_id"], id);
        assert_eq!(preview["version"], version);
        let changes = preview["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{preview}");
        assert_eq!(changes[0]["item"], item.as_str());
        assert_eq!(changes[0]["after"]["status"], "unmet");
        assert_eq!(
            changes[0]["after"]["reason"],
            "国内のデータセンターは来年度に対応予定"
        );
        assert_ne!(changes[0]["before"]["status"], "unmet");
        assert_eq!(preview["verdict_before"], "approvable");
        assert_eq!(
            preview["verdict_after"],
            sentei_core::judge(profile, &filled).verdict.as_str()
        );
        assert_eq!(preview["facts_differ"], false);
        assert_eq!(preview["problems"], json!([]));
    }
    assert_eq!(
        stored(&web, id).await,
        (version, original),
        "a dry run saves nothing"
    );
}

#[tokio::test]
async fn applying_a_sheet_saves_its_answers_and_a_stale_version_is_a_conflict() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (version, original) = stored(&web, id).await;
    let (filled, bytes) = filled(&web, &original);
    let token = web.token(UserRole::Applicant).await;

    let unversioned = upload(&web, &token, id, "dry_run=false", bytes.clone()).await;
    assert_eq!(unversioned.status, 400, "{}", unversioned.body);
    assert!(
        json_of(&unversioned)["error"]
            .as_str()
            .unwrap()
            .contains("expected_version")
    );

    let query = format!("dry_run=false&expected_version={version}");
    let applied = upload(&web, &token, id, &query, bytes.clone()).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let saved = json_of(&applied);
    // The saved assessment, as GET /api/v1/assessments/{id} gives it.
    assert_eq!(saved["id"], id);
    assert_eq!(saved["version"], version + 1);
    assert!(saved["judgement"]["items"].is_array());
    let again = json_of(
        &call(
            &web,
            &token,
            "GET",
            &format!("/api/v1/assessments/{id}"),
            None,
        )
        .await,
    );
    assert_eq!(saved, again);
    assert_eq!(stored(&web, id).await, (version + 1, filled.clone()));

    // The same sheet applied over the version it started from has not seen that save.
    let stale = upload(&web, &token, id, &query, bytes).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(json_of(&stale)["error"].is_string());
    assert_eq!(
        stored(&web, id).await,
        (version + 1, filled),
        "a conflict changes nothing"
    );
}

/// The text of a part of a workbook (a zip archive).
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The workbook with one part's text replaced, every other part copied as it was.
fn with_part(bytes: &[u8], name: &str, text: &str) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..source.len() {
        let mut file = source.by_index(i).unwrap();
        let entry = file.name().unwrap().into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        out.start_file(entry.as_str(), options).unwrap();
        if entry == name {
            out.write_all(text.as_bytes()).unwrap();
        } else {
            out.write_all(&content).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// The strings of a shared strings part.
fn shared_strings(xml: &str) -> Vec<String> {
    xml.split("<t")
        .skip(1)
        .filter_map(|s| {
            let start = s.find('>')? + 1;
            let end = s.find("</t>")?;
            Some(s[start..end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn an_invalid_sheet_is_refused_by_its_cells_and_changes_nothing() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let (version, original) = stored(&web, id).await;
    let profile = web.catalog.get("city-checklist").unwrap();
    let token = web.token(UserRole::Applicant).await;

    // The word the sheet writes for 満たさない is the one string a sheet with one item unmet
    // (and no reason) has that the untouched sheet has not; a vendor types something else.
    const STRINGS: &str = "xl/sharedStrings.xml";
    let untouched = sheet::export(profile, &original, Scope::Applicable).unwrap();
    let mut unmet = original.clone();
    unmet.answers[answerable(&web)] = Some(Answer {
        bulk: false,
        status: AnswerStatus::Unmet,
        reason: None,
        evidence: None,
    });
    let marked = sheet::export(profile, &unmet, Scope::Applicable).unwrap();
    let before = shared_strings(&part(&untouched, STRINGS));
    let word = shared_strings(&part(&marked, STRINGS))
        .into_iter()
        .find(|s| !before.contains(s))
        .expect("the unmet answer's word");
    let xml = part(&marked, STRINGS).replace(&format!(">{word}</t>"), ">たぶん</t>");
    let broken = with_part(&marked, STRINGS, &xml);

    for query in [
        "dry_run=true".to_owned(),
        format!("dry_run=false&expected_version={version}"),
    ] {
        let reply = upload(&web, &token, id, &query, broken.clone()).await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.body);
        let refusal = json_of(&reply);
        assert!(
            refusal["error"]
                .as_str()
                .unwrap()
                .contains("評価は変更していません"),
            "{refusal}"
        );
        let problems = refusal["problems"].as_array().unwrap();
        assert!(
            problems.iter().any(|p| {
                p["cell"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("チェックシート!"))
                    && p["message"].as_str().unwrap().contains("たぶん")
            }),
            "no problem names the cell with たぶん: {refusal}"
        );
    }

    // A file that is not a workbook at all: one problem, about the file.
    let cut = untouched[..untouched.len() / 2].to_vec();
    let reply = upload(&web, &token, id, "dry_run=true", cut).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let refusal = json_of(&reply);
    assert!(refusal["problems"][0]["cell"].is_null(), "{refusal}");
    assert!(refusal["problems"][0]["message"].is_string());

    // A sheet for another profile is refused before anything is compared.
    let ward = web.catalog.get("ward-annex").unwrap();
    let other = web
        .catalog
        .parse_assessment("profile: ward-annex\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\n")
        .unwrap();
    let foreign = sheet::export(ward, &other, Scope::Applicable).unwrap();
    let reply = upload(&web, &token, id, "dry_run=true", foreign).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("ward-annex"), "{}", reply.body);

    assert_eq!(stored(&web, id).await, (version, original));
}

#[tokio::test]
async fn the_upload_takes_a_workbook_body_up_to_the_sheet_limit() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let token = web.token(UserRole::Applicant).await;

    let as_json = call(
        &web,
        &token,
        "POST",
        &format!("/api/v1/assessments/{id}/sheet"),
        Some(json!({})),
    )
    .await;
    assert_eq!(as_json.status, 400, "{}", as_json.body);
    assert!(
        json_of(&as_json)["error"]
            .as_str()
            .unwrap()
            .contains("Content-Type")
    );

    // Larger than a JSON body may be, within what a sheet may be: read, and refused as a
    // workbook (not as a body too large).
    let big = vec![b'x'; sentei_web::MAX_BODY_BYTES + 1024];
    let reply = upload(&web, &token, id, "dry_run=true", big).await;
    assert_eq!(reply.status, 422, "{}", reply.body);

    let too_big = vec![b'x'; sheet::MAX_FILE_BYTES + 1];
    let reply = upload(&web, &token, id, "dry_run=true", too_big).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        json_of(&reply)["error"]
            .as_str()
            .unwrap()
            .contains("大きすぎます")
    );
}

#[tokio::test]
async fn vendor_links_are_made_listed_and_revoked_through_the_api() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let applicant = web.token(UserRole::Applicant).await;
    let auditor = web.token(UserRole::Auditor).await;
    let path = format!("/api/v1/assessments/{id}/vendor-links");

    let made = call(
        &web,
        &applicant,
        "POST",
        &path,
        Some(json!({ "contact": "例示株式会社 佐藤", "days": 7 })),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let made = json_of(&made);
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sv_") && token.len() > 40, "{token}");
    assert_eq!(made["path"], format!("/vendor/{token}"));
    assert!(
        made["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/vendor/{token}"))
    );
    let link = made["link"]["id"].as_i64().unwrap();
    assert_eq!(made["link"]["assessment_id"], id);
    assert_eq!(made["link"]["contact"], "例示株式会社 佐藤");
    assert_eq!(made["link"]["active"], true);

    // Anyone who may read the assessment sees its links, never a token.
    let listed = call(&web, &auditor, "GET", &path, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed = json_of(&listed);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], link);
    assert!(listed[0].get("token").is_none());
    assert!(!listed[0].to_string().contains(&token));

    // The link works for the vendor, signed in as nobody, until it is revoked.
    assert_eq!(web.get(None, &format!("/vendor/{token}")).await.status, 200);
    let revoked = call(
        &web,
        &applicant,
        "POST",
        &format!("/api/v1/vendor-links/{link}/revoke"),
        None,
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let revoked = json_of(&revoked);
    assert_eq!(revoked["id"], link);
    assert_eq!(revoked["revoked"], true);
    assert_eq!(revoked["active"], false);
    let refused = web.get(None, &format!("/vendor/{token}")).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("このリンクは使えません"));
    let listed = json_of(&call(&web, &auditor, "GET", &path, None).await);
    assert_eq!(listed[0]["revoked"], true);

    // The store's rules, in the API's error format.
    let too_long = call(
        &web,
        &applicant,
        "POST",
        &path,
        Some(json!({ "contact": "例示株式会社", "days": 91 })),
    )
    .await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert!(
        json_of(&too_long)["error"]
            .as_str()
            .unwrap()
            .contains("1〜90 日")
    );
    let nowhere = call(
        &web,
        &auditor,
        "GET",
        "/api/v1/assessments/9999/vendor-links",
        None,
    )
    .await;
    assert_eq!(nowhere.status, 404);
    let unknown = call(
        &web,
        &applicant,
        "POST",
        "/api/v1/vendor-links/9999/revoke",
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn the_report_carries_the_items_texts_and_the_history() {
    let web = Web::new().await;
    let token = web.token(UserRole::Auditor).await;
    let reply = call(
        &web,
        &token,
        "GET",
        &format!("/api/v1/applications/{}/report", web.application),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = json_of(&reply);
    assert_eq!(report["application"]["id"], web.application);
    assert_eq!(report["application"]["status"], "approved");
    assert_eq!(report["applicant_name"], "tanaka さん");
    assert_eq!(report["service"]["name"], "電子申請サービス");
    assert_eq!(report["service"]["provider"], "例示株式会社");
    assert_eq!(report["service"]["classification"], "2");
    assert_eq!(report["service"]["classification_label"], "機密性2");
    let profile = web.catalog.get("city-checklist").unwrap();
    assert_eq!(report["profile"]["id"], "city-checklist");
    assert_eq!(report["profile"]["version"], profile.version.as_str());
    assert_eq!(report["profile"]["title"], profile.title.as_str());
    assert_eq!(report["verdict"], "approvable");
    assert!(report["verdict_label"].is_string());

    // Every item of the profile, with its requirement verbatim (Japanese) and its outcome.
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), profile.items.len());
    for (item, expected) in items.iter().zip(&profile.items) {
        assert_eq!(item["id"], expected.id.as_str());
        assert_eq!(item["text"], expected.text.as_str());
        assert!(item["outcome"].is_string() && item["outcome_label"].is_string());
        assert!(item["answer"].is_string());
    }
    assert!(
        items
            .iter()
            .any(|i| i["text"].as_str().unwrap().chars().any(|c| c > '\u{3000}')),
        "the requirement texts are the Japanese ones"
    );

    // The history: who did what and when, oldest first, with RFC 3339 times.
    let history = report["history"].as_array().unwrap();
    let actions: Vec<&str> = history
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["start_pre_consultation", "submit", "approve"]);
    assert_eq!(history[0]["actor_name"], "tanaka さん");
    assert_eq!(history[2]["actor_name"], "suzuki さん");
    assert_eq!(history[2]["to_status"], "approved");
    assert_eq!(history[2]["action_label"], Action::Approve.event());
    assert_eq!(history[2]["action_label"], "承認した");
    for event in history {
        let at = event["at"].as_str().unwrap();
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("{at}: {e}"));
    }
}

/// A sakai assessment the CISO must accept (ISMS certification only).
const NEEDS_CISO: &str = "profile: sakai\nservice: { name: 文書共有, provider: 例示株式会社 }\nfacts: { classification: \"3C\", certifications: [csp_iso27001, csp_iso27017], connection: government_cloud }\nanswers: { default: met }\n";

#[tokio::test]
async fn the_report_names_who_accepted_and_when() {
    let web = Web::new().await;
    let applicant = web.actor(UserRole::Applicant);
    let assessment = web
        .store
        .create_assessment(applicant, &web.catalog, web.service, NEEDS_CISO)
        .await
        .unwrap();
    let application = web
        .store
        .create_application(
            applicant,
            sentei_store::NewApplication {
                service_id: web.service,
                assessment_id: assessment.id,
                purpose: "庁内文書の共有".into(),
                user_scope: "全庁".into(),
                period_start: time::macros::date!(2026 - 12 - 01),
                period_end: time::macros::date!(2027 - 11 - 30),
                kind: sentei_core::workflow::Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    for action in [Action::StartPreConsultation, Action::Submit] {
        web.store
            .act(applicant, &web.catalog, application.id, action, "", None)
            .await
            .unwrap();
    }
    web.store
        .accept(
            web.actor(UserRole::Ciso),
            &web.catalog,
            application.id,
            "ISMS の範囲に文書共有が含まれることを確認した",
        )
        .await
        .unwrap();

    let token = web.token(UserRole::Applicant).await;
    let reply = call(
        &web,
        &token,
        "GET",
        &format!("/api/v1/applications/{}/report", application.id),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = json_of(&reply);
    assert_eq!(report["verdict"], "conditional");
    assert_eq!(report["profile"]["id"], "sakai");
    assert!(
        report["required_approvals"]
            .as_array()
            .unwrap()
            .contains(&json!("ciso"))
    );
    let acceptances = report["acceptances"].as_array().unwrap();
    assert_eq!(acceptances.len(), 1, "{report}");
    assert_eq!(acceptances[0]["role"], "ciso");
    assert_eq!(acceptances[0]["user_name"], "sato さん");
    assert_eq!(
        acceptances[0]["reason"],
        "ISMS の範囲に文書共有が含まれることを確認した"
    );
    let at = acceptances[0]["at"].as_str().unwrap();
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
}
