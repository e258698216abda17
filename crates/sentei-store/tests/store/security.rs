//! Issue 12: the findings of the outside security test that concern the store, each
//! reproduced as the attack it was, on both databases.

use sentei_core::workflow::{Refusal, UserRole};
use sentei_store::{Actor, NewUser, StoreError};

use crate::both;
use crate::harness::{CATALOG, Fixture, PASSWORD};
use crate::steps::{APPROVABLE, NOT_APPROVABLE, assessment, service};

/// An applicant of another department (税務課) of the same municipality.
async fn applicant_elsewhere(f: &Fixture) -> Actor {
    f.store
        .add_user(
            &f.operator,
            NewUser {
                login: "kobayashi".to_owned(),
                display_name: "小林 七郎".to_owned(),
                department: "税務課".to_owned(),
                role: UserRole::Applicant,
                password: PASSWORD.to_owned(),
            },
        )
        .await
        .unwrap();
    f.store
        .authenticate("kobayashi", PASSWORD)
        .await
        .unwrap()
        .unwrap()
}

fn is_other_department(error: &StoreError) -> bool {
    matches!(error, StoreError::Refused(Refusal::OtherDepartment { owner }) if owner == "情報政策課")
}

// Finding 1: any applicant saved any assessment of the organization, and the approver could
// edit the assessment it was about to review.
both!(
    issue_12_departments_cannot_edit_each_others_assessments,
    |f| {
        let svc = service(&f, "文書共有").await;
        let ours = assessment(&f, &svc, APPROVABLE).await;
        assert_eq!(ours.department, "情報政策課");
        let other = applicant_elsewhere(&f).await;

        let refused = f
            .store
            .save_assessment(&other, &CATALOG, ours.id, ours.version, NOT_APPROVABLE)
            .await
            .unwrap_err();
        assert!(is_other_department(&refused), "{refused}");
        assert_eq!(
            refused.to_string(),
            "この評価は情報政策課の評価です。編集できるのは情報政策課の情報セキュリティ管理者だけです"
        );
        let refused = f
            .store
            .attach(&other, ours.id, "1.3", "x.pdf", "application/pdf", b"x")
            .await
            .unwrap_err();
        assert!(is_other_department(&refused), "{refused}");
        let refused = f
            .store
            .create_vendor_link(&other, ours.id, "例示株式会社 山田", 14)
            .await
            .unwrap_err();
        assert!(is_other_department(&refused), "{refused}");
        let (token, link) = f
            .store
            .create_vendor_link(&f.applicant, ours.id, "例示株式会社 山田", 14)
            .await
            .unwrap();
        let refused = f
            .store
            .revoke_vendor_link(&other, link.id)
            .await
            .unwrap_err();
        assert!(is_other_department(&refused), "{refused}");

        // The reviewer does not author, not even through the API's store call.
        let refused = f
            .store
            .save_assessment(&f.approver, &CATALOG, ours.id, ours.version, NOT_APPROVABLE)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Denied(_)), "{refused}");
        let refused = f
            .store
            .create_assessment(&f.approver, &CATALOG, svc.id, APPROVABLE)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Denied(_)), "{refused}");

        // Nothing changed; the owning department and its vendor link still write it.
        let unchanged = f.store.assessment(&f.auditor, ours.id).await.unwrap();
        assert_eq!(
            (unchanged.version, unchanged.verdict.as_str()),
            (1, "approvable")
        );
        let saved = f
            .store
            .save_assessment(&f.applicant2, &CATALOG, ours.id, 1, APPROVABLE)
            .await
            .unwrap();
        assert_eq!(saved.version, 2);
        let access = f.store.vendor_access(&token).await.unwrap();
        assert!(f.store.vendor_may_answer(&access).await.unwrap());
        let vendor = f
            .store
            .vendor_save(&access, &CATALOG, 2, &saved.document.to_string())
            .await
            .unwrap();
        assert_eq!(vendor.version, 3);

        // The other department writes its own assessments of the same service.
        let theirs = f
            .store
            .create_assessment(&other, &CATALOG, svc.id, APPROVABLE)
            .await
            .unwrap();
        assert_eq!(theirs.department, "税務課");
        let refused = f
            .store
            .save_assessment(&f.applicant, &CATALOG, theirs.id, 1, NOT_APPROVABLE)
            .await
            .unwrap_err();
        assert!(matches!(
            refused,
            StoreError::Refused(Refusal::OtherDepartment { .. })
        ));
    }
);
