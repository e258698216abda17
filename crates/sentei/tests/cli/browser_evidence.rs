//! Issue #11, item 6, in a real browser: from the assessment's editor, an SLA in PDF is attached
//! to the whole assessment and a screenshot in PNG to one item; both are listed with their
//! SHA-256; a download is an attachment the browser never sniffs, byte for byte what was sent;
//! a file whose content is no accepted kind, whatever its name, is refused with a Japanese
//! message inside the page; and the A4 record lists the files with their digests.

use sha2::{Digest, Sha256};

use crate::browser::{Journey, launch};

const PDF_NAME: &str = "SLA（サービス品質保証）.pdf";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG_NAME: &str = "ISMAP登録画面.png";
/// A 1×1 PNG image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x48, 0x3b, 0x03,
    0x00, 0x01, 0x9c, 0x01, 0x33, 0xe1, 0xb2, 0x60, 0xb9, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];
/// A page of HTML with a script, named as a PDF: it must never be served back.
const FAKE_NAME: &str = "監査報告書.pdf";
const FAKE: &[u8] = b"<html><body><script>alert(document.cookie)</script></body></html>";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Attaches the file `name` with `content` to `target` (an item id, or "" for the whole
/// assessment) from the editor's form.
async fn attach(j: &Journey, dir: &std::path::Path, target: &str, name: &str, content: &[u8]) {
    let file = dir.join(name);
    std::fs::write(&file, content).unwrap();
    j.css("#evidence-item")
        .await
        .select_by_value(target)
        .await
        .unwrap();
    j.css("#evidence-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    j.press("添付する").await;
}

/// The evidence table's rows as (target, file name, digest).
async fn listed(j: &Journey) -> Vec<(String, String, String)> {
    let rows = j
        .client
        .execute(
            "return Array.from(document.querySelectorAll('table.evidence tbody tr'))
                .map(r => [0, 1, 3].map(i => r.cells[i].textContent.trim()));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(rows).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_files_are_attached_listed_downloaded_and_recorded_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let (j, dir) = (&browser.j, browser.dir.path());
    j.sign_in("demo-applicant").await;
    j.start_assessment("文書保管サービス", "例示保管株式会社", "city-checklist")
        .await;
    let assessment = j.url().await.split('?').next().unwrap().to_owned();

    attach(j, dir, "", PDF_NAME, PDF).await;
    j.url_has("done=attached").await;
    attach(j, dir, "1.1", PNG_NAME, PNG).await;
    j.url_has("done=attached").await;
    let files = listed(j).await;
    assert_eq!(
        files,
        [
            ("評価全体".to_owned(), PDF_NAME.to_owned(), sha256(PDF)),
            ("項目 1.1".to_owned(), PNG_NAME.to_owned(), sha256(PNG)),
        ]
    );
    j.see(&format!("証跡: {PNG_NAME}")).await;
    j.shot("evidence-1-listed").await;

    // A download: the bytes sent, as an attachment with its Japanese name, never sniffed.
    let link = format!("//table[contains(@class, 'evidence')]//a[normalize-space(.)='{PNG_NAME}']");
    let href = j
        .find(fantoccini::Locator::XPath(&link))
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let download = j.fetch(&href).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, PNG);
    assert_eq!(download.header("content-type"), "image/png");
    assert_eq!(download.header("x-content-type-options"), "nosniff");
    let disposition = download.header("content-disposition");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''ISMAP%E7%99%BB%E9%8C%B2%E7%94%BB%E9%9D%A2.png"),
        "{disposition}"
    );

    // HTML named as a PDF is refused, inside the page, and nothing is added.
    attach(j, dir, "", FAKE_NAME, FAKE).await;
    let problem = j.css("#evidence ~ [role='alert']").await.text().await;
    let problem = problem.unwrap();
    assert!(
        problem.contains("このファイルの種類は添付できません"),
        "{problem}"
    );
    j.see("証跡ファイル").await;
    assert_eq!(listed(j).await.len(), 2);
    j.shot("evidence-2-refused").await;

    // The A4 record of an application lists both, with their digests.
    j.client.goto(&assessment).await.unwrap();
    let application = j
        .draft_application("契約書・報告書の保管", "総務課の職員")
        .await;
    j.client
        .goto(&format!("{application}/report"))
        .await
        .unwrap();
    j.see("証跡ファイル（2 件）").await;
    let record = j.text().await;
    for expected in [PDF_NAME, PNG_NAME, &sha256(PDF), &sha256(PNG)] {
        assert!(record.contains(expected), "{expected} is not in the record");
    }
    assert!(!record.contains(FAKE_NAME));
    j.shot("evidence-3-report").await;
    browser.j.client.close().await.unwrap();
}
