//! Check sheets on the web: download, upload a filled one, see what changes, apply it.

use axum::http::header;
use sentei_core::judgement::AnswerStatus;
use sentei_core::workflow::UserRole;
use sentei_exchange::sheet::{self, Scope};

use crate::harness::{Reply, Web, enc, fresh_assessment};

/// Uploads a workbook as the editor's form does.
async fn upload(web: &Web, role: UserRole, id: i64, bytes: &[u8]) -> Reply {
    web.upload(
        role,
        &format!("/assessments/{id}/sheet"),
        "sheet",
        "filled.xlsx",
        bytes,
    )
    .await
}

/// The value of a hidden input in a page, which must have it.
fn hidden(page: &str, name: &str) -> String {
    crate::harness::hidden(page, name).unwrap()
}

#[tokio::test]
async fn a_sheet_is_downloaded_filled_previewed_and_applied_all_at_once() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;

    let download = web
        .get(
            Some(UserRole::Auditor),
            &format!("/assessments/{id}/sheet.xlsx?all=1"),
        )
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.headers[header::CONTENT_TYPE], sheet_media_type());
    let disposition = download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"));
    let as_stored = sheet::import("d.xlsx", &download.bytes, &web.catalog).unwrap();
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    let original = web
        .catalog
        .parse_assessment(&stored.document.to_string())
        .unwrap();
    assert_eq!(as_stored.assessment, original);

    // The vendor answers one item 満たさない with a reason that looks like markup.
    let profile = web.catalog.get("city-checklist").unwrap();
    let index = (0..profile.items.len())
        .find(|&i| profile.items[i].certification.is_none() && !profile.items[i].is_derived())
        .unwrap();
    let mut filled = original.clone();
    filled.answers[index] = Some(sentei_core::Answer {
        bulk: false,
        status: AnswerStatus::Unmet,
        reason: Some("国内保管は<b>未対応</b> & 検討中".to_owned()),
        evidence: None,
    });
    let bytes = sheet::export(profile, &filled, Scope::Applicable).unwrap();

    let preview = upload(&web, UserRole::Applicant, id, &bytes).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("回答の変更（1 項目）"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains(&profile.items[index].id));
    assert!(
        preview
            .body
            .contains("&#60;b&#62;未対応&#60;/b&#62; &#38; 検討中")
    );
    assert!(!preview.body.contains("<b>未対応"));
    let unchanged = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    assert_eq!(
        unchanged.version, stored.version,
        "an upload alone saves nothing"
    );

    let form = format!(
        "version={}&document={}",
        hidden(&preview.body, "version"),
        enc(&hidden(&preview.body, "document"))
    );
    let applied = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{id}/sheet/apply"),
            &form,
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(
        applied.headers[header::LOCATION],
        format!("/assessments/{id}?done=sheet").as_str()
    );
    let saved = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    assert_eq!(saved.version, stored.version + 1);
    let saved = web
        .catalog
        .parse_assessment(&saved.document.to_string())
        .unwrap();
    assert_eq!(saved, filled);

    // The same preview applied again is a conflict: someone (here, we) saved in between.
    let again = web
        .post(
            UserRole::Applicant,
            &format!("/assessments/{id}/sheet/apply"),
            &form,
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[tokio::test]
async fn a_broken_sheet_is_refused_with_its_problems_and_changes_nothing() {
    let web = Web::new().await;
    let id = fresh_assessment(&web).await;
    let download = web
        .get(
            Some(UserRole::Applicant),
            &format!("/assessments/{id}/sheet.xlsx"),
        )
        .await;
    let cut = &download.bytes[..download.bytes.len() / 2];
    let reply = upload(&web, UserRole::Applicant, id, cut).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply
            .body
            .contains("filled.xlsx を読み込めませんでした。評価は変更していません")
    );
    assert!(reply.body.contains("途中で切れています"), "{}", reply.body);
    let stored = web
        .store
        .assessment(web.actor(UserRole::Applicant), id)
        .await
        .unwrap();
    assert_eq!(stored.version, 1);

    // A sheet for another profile is refused before anything is shown as a change.
    let profile = web.catalog.get("ward-annex").unwrap();
    let other = web
        .catalog
        .parse_assessment("profile: ward-annex\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\n")
        .unwrap();
    let bytes = sheet::export(profile, &other, Scope::Applicable).unwrap();
    let reply = upload(&web, UserRole::Applicant, id, &bytes).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply.body.contains("基準 ward-annex のものです"),
        "{}",
        reply.body
    );
}

fn sheet_media_type() -> &'static str {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}
