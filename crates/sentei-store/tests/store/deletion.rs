//! Issue 13: drafts and services no application names can be deleted by their department or
//! the system administrator; nothing decided can; the audit trail keeps every record and says
//! what was deleted.

use sentei_core::workflow::{Action, Refusal, Status, UserRole};
use sentei_store::{Actor, AuditQuery, NewUser, StoreError};

use crate::both;
use crate::harness::{CATALOG, Fixture, PASSWORD};
use crate::steps::{APPROVABLE, assessment, draft, service, submitted};

async fn applicant_of(f: &Fixture, login: &str, department: &str) -> Actor {
    f.store
        .add_user(
            &f.operator,
            NewUser {
                login: login.to_owned(),
                display_name: "小林 七郎".to_owned(),
                department: department.to_owned(),
                role: UserRole::Applicant,
                password: PASSWORD.to_owned(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    f.store
        .authenticate(login, PASSWORD)
        .await
        .unwrap()
        .unwrap()
}

/// The audit records about `object`, oldest first, as (action, summary).
async fn trail(f: &Fixture, object: &str) -> Vec<(String, String)> {
    let mut records = f
        .store
        .audit_search(
            &f.auditor,
            &AuditQuery {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    records.reverse();
    records
        .into_iter()
        .filter(|r| r.object == object)
        .map(|r| (r.action, r.summary.unwrap_or_default()))
        .collect()
}

both!(
    issue_13_a_draft_is_deleted_by_its_department_and_the_trail_stays,
    |f| {
        let (app, _) = draft(&f, APPROVABLE).await;
        let s = &f.store;
        // Not by another department, nor by those who review.
        let elsewhere = applicant_of(&f, "kobayashi", "税務課").await;
        let refused = s.delete_draft(&elsewhere, app.id).await.unwrap_err();
        assert!(
            matches!(&refused, StoreError::Refused(Refusal::DeleteOtherDepartment { owner, .. }) if owner == "情報政策課"),
            "{refused:?}"
        );
        for reviewer in [&f.approver, &f.ciso, &f.auditor] {
            let refused = s.delete_draft(reviewer, app.id).await.unwrap_err();
            assert!(
                matches!(refused, StoreError::Refused(Refusal::CannotDelete { .. })),
                "{refused:?}"
            );
        }
        // A colleague of the same department may: people move, drafts stay with the department.
        s.delete_draft(&f.applicant2, app.id).await.unwrap();
        assert!(matches!(
            s.application(&f.auditor, app.id).await,
            Err(StoreError::NotFound(_))
        ));
        let service = s.service(&f.auditor, app.service_id).await.unwrap();
        assert_eq!(service.status, "", "the service no longer shows the draft");
        let records = trail(&f, &format!("application:{}", app.id)).await;
        let actions: Vec<&str> = records.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["application.create", "application.delete"]);
        assert!(
            records[1].1.contains("削除した下書き: 申請"),
            "{}",
            records[1].1
        );
        assert!(
            records[1].1.contains("住民からの申請受付"),
            "{}",
            records[1].1
        );
        let verified = s.verify_audit(Some("shunan")).await.unwrap();
        // The chain holds, and the deleted row is expected absent, not reported removed.
        assert!(
            verified[0].holds(),
            "the chain and the rows hold after deleting: {:?}",
            verified[0].rows
        );
    }
);

both!(
    issue_13_only_drafts_are_deleted_and_a_returned_one_is,
    |f| {
        let (app, assessment) = submitted(&f, APPROVABLE).await;
        let s = &f.store;
        let refused = s.delete_draft(&f.applicant, app.id).await.unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Refused(Refusal::NotADraft {
                    status: Status::Submitted
                })
            ),
            "{refused:?}"
        );
        // Returned, it is a draft again; its steps go with it, the audit records stay.
        s.act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Return,
            "利用目的を具体的に書いてください",
            Some(assessment.version),
        )
        .await
        .unwrap();
        s.delete_draft(&f.admin, app.id).await.unwrap();
        let actions: Vec<String> = trail(&f, &format!("application:{}", app.id))
            .await
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        assert_eq!(
            actions,
            [
                "application.create",
                "application.start_pre_consultation",
                "application.submit",
                "application.return",
                "application.delete"
            ]
        );
    }
);

both!(
    issue_13_a_service_without_applications_is_deleted_with_its_assessments,
    |f| {
        let s = &f.store;
        let used = service(&f, "使われているサービス").await;
        let used_assessment = assessment(&f, &used, APPROVABLE).await;
        let unused = service(&f, "登録を間違えたサービス").await;
        let first = assessment(&f, &unused, APPROVABLE).await;
        let second = assessment(&f, &unused, APPROVABLE).await;
        let pdf = b"%PDF-1.7 evidence".to_vec();
        s.attach(&f.applicant, &CATALOG, first.id, "1.3", "SLA.pdf", &pdf)
            .await
            .unwrap();
        // The same file on an assessment that stays: it stays for that one.
        s.attach(
            &f.applicant,
            &CATALOG,
            used_assessment.id,
            "1.3",
            "SLA.pdf",
            &pdf,
        )
        .await
        .unwrap();
        s.attach(
            &f.applicant,
            &CATALOG,
            second.id,
            "1.4",
            "手順書.pdf",
            b"%PDF-1.7 other",
        )
        .await
        .unwrap();
        s.create_vendor_link(&f.applicant, first.id, "例示株式会社 営業部", 14)
            .await
            .unwrap();

        let elsewhere = applicant_of(&f, "kobayashi", "税務課").await;
        assert!(matches!(
            s.delete_service(&elsewhere, unused.id).await,
            Err(StoreError::Refused(Refusal::DeleteOtherDepartment { .. }))
        ));
        assert!(matches!(
            s.delete_service(&f.approver, unused.id).await,
            Err(StoreError::Refused(Refusal::CannotDelete { .. }))
        ));
        let deleted = s.delete_service(&f.applicant2, unused.id).await.unwrap();
        assert_eq!(
            (deleted.name.as_str(), deleted.assessments, deleted.files),
            ("登録を間違えたサービス", 2, 1)
        );
        assert!(matches!(
            s.service(&f.auditor, unused.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.assessment(&f.auditor, first.id).await,
            Err(StoreError::NotFound(_))
        ));
        let kept = s.attachments(&f.auditor, used_assessment.id).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            s.attachment_file(&f.auditor, used_assessment.id, kept[0].link_id)
                .await
                .unwrap()
                .content,
            pdf,
            "a file shared with a kept assessment is kept"
        );
        let records = trail(&f, &format!("service:{}", unused.id)).await;
        let actions: Vec<&str> = records.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["service.create", "service.delete"]);
        let said = &records[1].1;
        assert!(
            said.contains("登録を間違えたサービス（例示株式会社）"),
            "{said}"
        );
        assert!(
            said.contains(&format!("2 件（評価 {}、評価 {}", first.id, second.id)),
            "{said}"
        );
        // The records about the deleted assessments stay too.
        assert!(
            !trail(&f, &format!("assessment:{}", first.id))
                .await
                .is_empty()
        );
        let verified = s.verify_audit(Some("shunan")).await.unwrap();
        assert!(
            verified[0].holds(),
            "the deleted assessments are expected absent: {:?}",
            verified[0].rows
        );
    }
);

both!(issue_13_a_service_with_an_application_is_kept, |f| {
    let (app, _) = draft(&f, APPROVABLE).await;
    let refused = f
        .store
        .delete_service(&f.admin, app.service_id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Refused(Refusal::ServiceInUse { count: 1 })
        ),
        "{refused:?}"
    );
});
