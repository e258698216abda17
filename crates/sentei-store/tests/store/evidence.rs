//! Evidence files: told from their content, bounded, stored once, removed without being
//! forgotten, and attached through a vendor's link only to what the link answers.

use std::io::Write;

use sentei_store::StoreError;

use crate::both;
use crate::harness::CATALOG;
use sentei_core::workflow::Action;

use crate::steps::{APPROVABLE, assessment, draft, service};

/// A zip archive with these parts, as Office writes one (stored, uncompressed).
pub fn office(parts: &[&str]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for part in parts {
        zip.start_file(*part, options).unwrap();
        zip.write_all(b"<x/>").unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub fn xlsx() -> Vec<u8> {
    office(&[
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
    ])
}

pub fn docx() -> Vec<u8> {
    office(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
}

fn rejected(result: Result<sentei_store::AttachmentView, StoreError>, words: &str) {
    match result {
        Err(StoreError::Rejected(message)) => {
            assert!(message.contains(words), "{message}");
        }
        other => panic!("expected a refusal with {words}: {other:?}"),
    }
}

both!(evidence_is_told_from_its_content_and_stored_once, |f| {
    let svc = service(&f, "文書共有").await;
    let a = assessment(&f, &svc, APPROVABLE).await;
    let pdf = b"%PDF-1.7 evidence".to_vec();
    let first = f
        .store
        .attach(
            &f.applicant,
            &CATALOG,
            a.id,
            "1.3",
            "../../etc/SLA.pdf",
            &pdf,
        )
        .await
        .unwrap();
    assert_eq!(first.file_name, "SLA.pdf");
    assert_eq!(first.media_type, "application/pdf");
    assert_eq!(first.added_by, "田中 一郎");
    let second = f
        .store
        .attach(&f.applicant, &CATALOG, a.id, "", "コピー", &pdf)
        .await
        .unwrap();
    assert_eq!(first.sha256, second.sha256, "same content, stored once");
    assert_eq!(second.item_id, "", "the assessment as a whole");
    assert_eq!(second.file_name, "コピー.pdf", "the kind's extension added");
    // An image named .pdf is an image; a workbook and a document are told by their parts.
    let png = f
        .store
        .attach(
            &f.applicant,
            &CATALOG,
            a.id,
            "1.1",
            "ISMAP登録.pdf",
            b"\x89PNG\r\n\x1a\nrest",
        )
        .await
        .unwrap();
    assert_eq!(png.media_type, "image/png");
    let book = f
        .store
        .attach(
            &f.applicant,
            &CATALOG,
            a.id,
            "1.3",
            "監査報告.xlsx",
            &xlsx(),
        )
        .await
        .unwrap();
    assert_eq!(book.kind_label(), "Excel ブック（.xlsx）");
    let doc = f
        .store
        .attach(&f.applicant, &CATALOG, a.id, "1.3", "SLA.docx", &docx())
        .await
        .unwrap();
    assert!(doc.media_type.ends_with("wordprocessingml.document"));
    let listed = f.store.attachments(&f.auditor, a.id).await.unwrap();
    assert_eq!(listed.len(), 5);
    let file = f
        .store
        .attachment_file(&f.auditor, a.id, first.link_id)
        .await
        .unwrap();
    assert_eq!(
        (file.media_type.as_str(), file.content),
        ("application/pdf", pdf)
    );
    // The digest is of the content.
    let (_, content) = f
        .store
        .attachment_content(&f.auditor, &png.sha256)
        .await
        .unwrap();
    assert_eq!(content, b"\x89PNG\r\n\x1a\nrest");
});

both!(
    evidence_that_is_not_an_accepted_kind_is_refused_whole,
    |f| {
        let svc = service(&f, "文書共有").await;
        let a = assessment(&f, &svc, APPROVABLE).await;
        let attach = async |name: &str, content: &[u8]| {
            f.store
                .attach(&f.applicant, &CATALOG, a.id, "1.3", name, content)
                .await
        };
        rejected(attach("x.pdf", b"").await, "空のファイル");
        let big = vec![b'%'; sentei_store::MAX_ATTACHMENT_BYTES + 1];
        rejected(attach("big.pdf", &big).await, "大きすぎます");
        rejected(
            attach("page.pdf", b"<html><script>alert(1)</script>").await,
            "添付できるのは",
        );
        rejected(
            attach("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>").await,
            "添付できるのは",
        );
        rejected(
            attach("setup.pdf", b"MZ\x90\x00\x03").await,
            "添付できるのは",
        );
        rejected(
            attach("old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").await,
            "古い形式",
        );
        let with_macros = office(&[
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/vbaProject.bin",
        ]);
        rejected(attach("報告.xlsx", &with_macros).await, "マクロ");
        let word_macros = office(&[
            "[Content_Types].xml",
            "word/document.xml",
            "word/vbaProject.bin",
        ]);
        rejected(attach("SLA.docx", &word_macros).await, "マクロ");
        rejected(
            attach("a.zip", &office(&["a.txt", "b.exe"])).await,
            "Office ファイルとして読めません",
        );
        rejected(
            attach("cut.xlsx", b"PK\x03\x04truncated").await,
            "Office ファイルとして読めません",
        );
        rejected(
            f.store
                .attach(&f.applicant, &CATALOG, a.id, "99.9", "x.pdf", b"%PDF-1.4")
                .await,
            "項目 99.9",
        );
        // Nothing of it was kept, and nothing recorded.
        assert!(
            f.store
                .attachments(&f.auditor, a.id)
                .await
                .unwrap()
                .is_empty()
        );
        for (actor, role) in [(&f.auditor, "監査"), (&f.ciso, "統括")] {
            assert!(
                matches!(
                    f.store
                        .attach(actor, &CATALOG, a.id, "1.3", "x.pdf", b"%PDF-1.4")
                        .await,
                    Err(StoreError::Denied(_))
                ),
                "{role}"
            );
        }
    }
);

both!(removed_evidence_stays_in_the_records_made_before, |f| {
    let (application, a) = draft(&f, APPROVABLE).await;
    let before = f
        .store
        .attach(
            &f.applicant,
            &CATALOG,
            a.id,
            "1.3",
            "SLA.pdf",
            b"%PDF-1.7 sla",
        )
        .await
        .unwrap();
    for action in [Action::StartPreConsultation, Action::Submit] {
        f.store
            .act(&f.applicant, &CATALOG, application.id, action, "", None)
            .await
            .unwrap();
    }
    let app = f
        .store
        .application(&f.auditor, application.id)
        .await
        .unwrap();
    let submitted_at = app.pinned.unwrap().at.unwrap();
    // Attached after submission: not part of what was submitted.
    let after = f
        .store
        .attach(
            &f.applicant,
            &CATALOG,
            a.id,
            "1.3",
            "追加.pdf",
            b"%PDF-1.7 late",
        )
        .await
        .unwrap();
    let at_submission = f
        .store
        .attachments_at(&f.auditor, a.id, submitted_at)
        .await
        .unwrap();
    assert_eq!(
        at_submission.iter().map(|x| x.link_id).collect::<Vec<_>>(),
        vec![before.link_id]
    );
    let removed = f
        .store
        .remove_attachment(&f.applicant, a.id, after.link_id)
        .await
        .unwrap();
    assert!(removed.removed_at.is_some());
    let now = f.store.attachments(&f.auditor, a.id).await.unwrap();
    assert_eq!(
        now.iter().map(|x| x.link_id).collect::<Vec<_>>(),
        vec![before.link_id]
    );
    let then = f
        .store
        .attachments_at(&f.auditor, a.id, after.added_at)
        .await
        .unwrap();
    assert_eq!(then.len(), 2, "both were there before the removal");
    // Still downloadable for the record, and removed only once.
    assert!(
        f.store
            .attachment_file(&f.auditor, a.id, after.link_id)
            .await
            .is_ok()
    );
    rejected(
        f.store
            .remove_attachment(&f.applicant, a.id, after.link_id)
            .await,
        "すでに削除",
    );
    assert!(matches!(
        f.store
            .remove_attachment(&f.auditor, a.id, before.link_id)
            .await,
        Err(StoreError::Denied(_))
    ));
    let trail = f.store.audit_page(&f.auditor, 1, 100).await.unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"attachment.add") && actions.contains(&"attachment.remove"));
});

both!(
    a_vendor_attaches_only_to_its_own_assessment_and_the_items_it_answers,
    |f| {
        let svc = service(&f, "文書共有").await;
        let mine = assessment(&f, &svc, APPROVABLE).await;
        let other = assessment(&f, &svc, APPROVABLE).await;
        let (token, _) = f
            .store
            .create_vendor_link(&f.applicant, mine.id, "例示株式会社 山田", 14)
            .await
            .unwrap();
        let access = f.store.vendor_access(&token).await.unwrap();
        let added = f
            .store
            .vendor_attach(&access, &CATALOG, "", "SLA.pdf", b"%PDF-1.7 vendor")
            .await
            .unwrap();
        assert_eq!(added.assessment_id, mine.id);
        assert_eq!(added.added_by, "例示株式会社 山田（回答リンク）");
        // Items skipped by ISMAP (1.6 to 1.28) are not the vendor's to answer.
        rejected(
            f.store
                .vendor_attach(&access, &CATALOG, "1.20", "x.pdf", b"%PDF-1.7")
                .await,
            "このリンクから添付できません",
        );
        assert_eq!(f.store.vendor_attachments(&access).await.unwrap().len(), 1);
        assert!(
            f.store
                .vendor_attachment_file(&access, added.link_id)
                .await
                .is_ok()
        );
        // A file of another assessment cannot be reached through the link.
        let elsewhere = f
            .store
            .attach(
                &f.applicant,
                &CATALOG,
                other.id,
                "",
                "他.pdf",
                b"%PDF-1.7 other",
            )
            .await
            .unwrap();
        assert!(matches!(
            f.store
                .vendor_attachment_file(&access, elsewhere.link_id)
                .await,
            Err(StoreError::NotFound(_))
        ));
        let trail = f.store.audit_page(&f.auditor, 1, 100).await.unwrap();
        assert!(
            trail
                .items
                .iter()
                .any(|r| r.action == "attachment.add" && r.actor.starts_with("vendor:"))
        );
    }
);
