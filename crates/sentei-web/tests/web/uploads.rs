//! Issue 12, finding 16: every upload takes a file up to the same limit from its page and from
//! the API, and one larger is refused with the same Japanese message naming the limit: on the
//! page inside the site's layout, from the API as a problem document.

use axum::body::Body;
use axum::http::{Request, header};
use sentei_core::workflow::UserRole;

use crate::harness::{Reply, Web};

const MB: usize = 1024 * 1024;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn api_upload(
    web: &Web,
    token: &str,
    path: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Reply {
    web.send(
        Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn finding_16_pages_and_the_api_take_files_up_to_the_same_limit() {
    let web = Web::new().await;
    let id = web.assessment;
    let uploads = [
        (
            UserRole::Applicant,
            format!("/assessments/{id}/sheet"),
            "sheet",
            format!("/api/v1/assessments/{id}/sheet?dry_run=true"),
            XLSX,
            10 * MB,
            "チェックシートが大きすぎます（上限は 10 MB です）",
        ),
        (
            UserRole::Approver,
            "/ledger/import".to_owned(),
            "ledger",
            "/api/v1/ledger/import?dry_run=true&file=a.csv".to_owned(),
            "text/csv",
            10 * MB,
            "台帳のファイルが大きすぎます（上限は 10 MB です）",
        ),
        (
            UserRole::Admin,
            "/user-import".to_owned(),
            "users",
            "/api/v1/users/import?dry_run=true".to_owned(),
            "text/csv",
            MB,
            "利用者のファイルが大きすぎます（上限は 1 MB です）",
        ),
        (
            UserRole::Applicant,
            format!("/assessments/{id}/attachments"),
            "file",
            format!("/api/v1/assessments/{id}/attachments?file_name=a.pdf"),
            "application/pdf",
            10 * MB,
            "証跡ファイルが大きすぎます（上限は 10 MB です）",
        ),
    ];
    for (role, page, field, api, content_type, limit, message) in uploads {
        let token = web.token(role).await;
        let too_large = vec![b'x'; limit + 1];
        let refused = web.upload(role, &page, field, "a.bin", &too_large).await;
        assert_eq!(refused.status, 413, "{page}: {}", refused.body);
        assert!(refused.body.contains(message), "{page}: {}", refused.body);
        assert!(
            refused.body.contains("<title>大きすぎます") && refused.body.contains("</html>"),
            "{page}: not the site's page: {}",
            refused.body
        );
        let refused = api_upload(&web, &token, &api, content_type, too_large).await;
        assert_eq!(refused.status, 413, "{api}: {}", refused.body);
        let problem: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(problem["detail"], message, "{api}");
        assert_eq!(
            refused.headers[header::CONTENT_TYPE],
            "application/problem+json"
        );
        // At the limit the file is read (and refused for what it is, not for its size).
        let at_limit = vec![b'x'; limit];
        let read = web.upload(role, &page, field, "a.bin", &at_limit).await;
        assert_ne!(read.status, 413, "{page}: {}", read.body);
        let read = api_upload(&web, &token, &api, content_type, at_limit).await;
        assert_ne!(read.status, 413, "{api}: {}", read.body);
    }
}
