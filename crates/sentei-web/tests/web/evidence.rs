//! Evidence files through the editor, the vendor's page and the API: attached with the CSRF
//! token in the form's query, refused inside the page with the item kept, downloaded as
//! attachments that are never sniffed, and listed with their digests on the A4 record.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::{Action, UserRole};
use sentei_store::{NewApplication, NewService};

use crate::harness::{APPROVABLE, Reply, Web};

/// The upload form as a browser sends it: the item chosen, then the file.
async fn attach(
    web: &Web,
    path: &str,
    csrf: Option<&str>,
    cookie: Option<&str>,
    item: &str,
    name: &str,
    bytes: &[u8],
) -> Reply {
    let boundary = "sentei-evidence-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\n{item}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uri = match csrf {
        Some(csrf) => format!("{path}?csrf={csrf}"),
        None => path.to_owned(),
    };
    let mut request = Request::post(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    web.send(request.body(Body::from(body)).unwrap()).await
}

fn disposition(reply: &Reply) -> String {
    reply.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_editor_attaches_lists_downloads_and_removes_evidence() {
    let web = Web::new().await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let path = format!("/assessments/{}/attachments", web.assessment);
    let reply = attach(
        &web,
        &path,
        Some(&csrf),
        Some(&cookie),
        "1.1",
        "ISMAP登録 画面.png",
        b"\x89PNG\r\n\x1a\nimage",
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(
        reply.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("?done=attached#evidence")
    );
    let page = web
        .get(
            Some(UserRole::Auditor),
            &format!("/assessments/{}", web.assessment),
        )
        .await;
    assert!(page.body.contains("ISMAP登録 画面.png"));
    assert!(page.body.contains("画像（PNG）"));
    let listed = web
        .store
        .attachments(web.actor(UserRole::Auditor), web.assessment)
        .await
        .unwrap();
    let png = listed.iter().find(|a| a.item_id == "1.1").unwrap();
    assert!(page.body.contains(&png.sha256), "the digest is shown");
    // Downloaded as an attachment named in UTF-8, typed from the content, never sniffed.
    let file = web
        .get(
            Some(UserRole::Ciso),
            &format!(
                "/assessments/{}/attachments/{}",
                web.assessment, png.link_id
            ),
        )
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.bytes, b"\x89PNG\r\n\x1a\nimage");
    assert_eq!(file.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let named = disposition(&file);
    assert!(
        named.starts_with("attachment; filename=\"evidence-"),
        "{named}"
    );
    assert!(
        named.ends_with("filename*=UTF-8''ISMAP%E7%99%BB%E9%8C%B2%20%E7%94%BB%E9%9D%A2.png"),
        "{named}"
    );
    // Removed: gone from the editor, kept for the records made before.
    let removed = web
        .post(
            UserRole::Applicant,
            &format!(
                "/assessments/{}/attachments/{}/remove",
                web.assessment, png.link_id
            ),
            "",
        )
        .await;
    assert_eq!(removed.status, 303);
    let page = web
        .get(
            Some(UserRole::Applicant),
            &format!("/assessments/{}?done=detached", web.assessment),
        )
        .await;
    assert!(!page.body.contains("ISMAP登録 画面.png"));
    assert!(page.body.contains("添付ファイルを削除しました。"));
}

#[tokio::test]
async fn a_refused_file_is_shown_in_the_editor_with_the_item_kept() {
    let web = Web::new().await;
    let (cookie, csrf) = web.session(UserRole::Applicant).await;
    let path = format!("/assessments/{}/attachments", web.assessment);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let reply = attach(
        &web,
        &path,
        Some(&csrf),
        Some(&cookie),
        "1.3",
        "logo.png",
        svg,
    )
    .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("<h1>評価"), "inside the normal page");
    assert!(reply.body.contains("このファイルの種類は添付できません"));
    assert!(
        reply.body.contains("<option value=\"1.3\" selected>"),
        "the item as chosen"
    );
    assert!(!reply.body.contains("<script>alert"));
    let macros = {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for part in [
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/vbaProject.bin",
        ] {
            zip.start_file(part, options).unwrap();
            zip.write_all(b"x").unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let reply = attach(
        &web,
        &path,
        Some(&csrf),
        Some(&cookie),
        "",
        "報告.xlsx",
        &macros,
    )
    .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("マクロ"));
    // Without the form's token, or as a role that does not write assessments: refused.
    let reply = attach(&web, &path, None, Some(&cookie), "", "x.pdf", b"%PDF-1.4").await;
    assert_eq!(reply.status, 403);
    let (auditor, auditor_csrf) = web.session(UserRole::Auditor).await;
    let reply = attach(
        &web,
        &path,
        Some(&auditor_csrf),
        Some(&auditor),
        "",
        "x.pdf",
        b"%PDF-1.4",
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        web.store
            .attachments(web.actor(UserRole::Auditor), web.assessment)
            .await
            .unwrap()
            .len(),
        2,
        "only the fixture's two"
    );
}

#[tokio::test]
async fn a_vendor_attaches_and_fetches_only_on_its_own_link() {
    let web = Web::new().await;
    let base = format!("/vendor/{}", web.vendor_token);
    let csrf = sentei_web::vendor_csrf(&web.vendor_token);
    let reply = attach(
        &web,
        &format!("{base}/attachments"),
        Some(&csrf),
        None,
        "",
        "SLA（2026年度）.pdf",
        b"%PDF-1.7 sla",
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let page = web.get(None, &format!("{base}?done=attached")).await;
    assert!(page.body.contains("SLA（2026年度）.pdf"));
    assert!(page.body.contains("ファイルを添付しました"));
    let refused = attach(
        &web,
        &format!("{base}/attachments"),
        Some(&csrf),
        None,
        "1.20",
        "x.pdf",
        b"%PDF-1.7",
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("このリンクから添付できません"));
    // A file of another assessment is not reachable through the link.
    let other = web
        .store
        .create_assessment(
            web.actor(UserRole::Applicant),
            &web.catalog,
            web.service,
            APPROVABLE,
        )
        .await
        .unwrap();
    let elsewhere = web
        .store
        .attach(
            web.actor(UserRole::Applicant),
            &web.catalog,
            other.id,
            "",
            "他.pdf",
            b"%PDF-1.7 other",
        )
        .await
        .unwrap();
    let reply = web
        .get(None, &format!("{base}/attachments/{}", elsewhere.link_id))
        .await;
    assert_eq!(reply.status, 404);
    let own = web
        .get(
            None,
            &format!("{base}/attachments/{}", web.vendor_attachment),
        )
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(disposition(&own).starts_with("attachment;"));
}

#[tokio::test]
async fn the_a4_record_lists_the_evidence_as_submitted_with_digests() {
    let web = Web::new().await;
    let applicant = web.actor(UserRole::Applicant).clone();
    let service = web
        .store
        .create_service(
            &applicant,
            NewService {
                name: "文書共有".into(),
                provider: "例示".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let assessment = web
        .store
        .create_assessment(&applicant, &web.catalog, service.id, APPROVABLE)
        .await
        .unwrap();
    let sla = web
        .store
        .attach(
            &applicant,
            &web.catalog,
            assessment.id,
            "1.3",
            "SLA.pdf",
            b"%PDF-1.7 submitted",
        )
        .await
        .unwrap();
    let app = web
        .store
        .create_application(
            &applicant,
            NewApplication {
                service_id: service.id,
                assessment_id: assessment.id,
                purpose: "文書の共有".into(),
                user_scope: "課内".into(),
                period_start: time::macros::date!(2026 - 04 - 01),
                period_end: time::macros::date!(2027 - 03 - 31),
                kind: sentei_core::workflow::Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    for action in [Action::StartPreConsultation, Action::Submit] {
        web.store
            .act(&applicant, &web.catalog, app.id, action, "", None)
            .await
            .unwrap();
    }
    let late = web
        .store
        .attach(
            &applicant,
            &web.catalog,
            assessment.id,
            "",
            "後から.pdf",
            b"%PDF-1.7 late",
        )
        .await
        .unwrap();
    let report = web
        .get(
            Some(UserRole::Auditor),
            &format!("/applications/{}/report", app.id),
        )
        .await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("証跡ファイル（1 件）"));
    assert!(
        report
            .body
            .contains("申請した時点で添付されていたファイルです")
    );
    assert!(report.body.contains(&sla.sha256) && report.body.contains("項目 1.3"));
    assert!(
        !report.body.contains(&late.sha256),
        "attached after submission"
    );
    let token = web.token(UserRole::Auditor).await;
    let json = web
        .send(
            Request::get(format!("/api/v1/applications/{}/report", app.id))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(doc["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(doc["evidence"][0]["sha256"], sla.sha256);
    assert_eq!(doc["evidence"][0]["item"], "1.3");
}

#[tokio::test]
async fn the_api_attaches_the_body_and_refuses_what_is_not_evidence() {
    let web = Web::new().await;
    let token = web.token(UserRole::Applicant).await;
    let call = async |method: &str, path: &str, body: Vec<u8>| {
        web.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    };
    let base = format!("/api/v1/assessments/{}/attachments", web.assessment);
    let made = call(
        "POST",
        &format!("{base}?item=1.3&file_name=%E7%9B%A3%E6%9F%BB.pdf"),
        b"%PDF-1.7 api".to_vec(),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let body: serde_json::Value = serde_json::from_str(&made.body).unwrap();
    assert_eq!(
        (body["item"].as_str(), body["file_name"].as_str()),
        (Some("1.3"), Some("監査.pdf"))
    );
    assert_eq!(body["media_type"], "application/pdf");
    let id = body["id"].as_i64().unwrap();
    let listed = call("GET", &base, Vec::new()).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&listed.body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let file = call("GET", &format!("{base}/{id}"), Vec::new()).await;
    assert_eq!(file.bytes, b"%PDF-1.7 api");
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(disposition(&file).contains("filename*=UTF-8''%E7%9B%A3%E6%9F%BB.pdf"));
    let refused = call("POST", &base, b"MZ\x90\x00 an executable".to_vec()).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("添付できるのは"), "{}", refused.body);
    let too_big = call(
        "POST",
        &base,
        vec![b'%'; sentei_store::MAX_ATTACHMENT_BYTES + 1],
    )
    .await;
    assert_eq!(too_big.status, 413);
    let removed = call("DELETE", &format!("{base}/{id}"), Vec::new()).await;
    assert_eq!(removed.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&removed.body).unwrap()["removed_at"].is_string()
    );
    let again = call("DELETE", &format!("{base}/{id}"), Vec::new()).await;
    assert_eq!(again.status, 422);
}
