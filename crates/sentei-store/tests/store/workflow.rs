//! The workflow end to end through the store, and each rule that guards it.

use sentei_core::workflow::{Action, Refusal, Status};
use sentei_store::{LedgerQuery, StoreError};

use crate::both;
use crate::harness::CATALOG;
use crate::steps::{APPROVABLE, NEEDS_CISO, NOT_APPROVABLE, draft, submitted};

both!(an_application_goes_from_draft_to_the_ledger, |f| {
    let (app, assessment) = draft(&f, APPROVABLE).await;
    assert_eq!(app.status, Status::Draft);
    assert_eq!(assessment.verdict, "approvable");
    let s = &f.store;
    let app = s
        .act(
            &f.applicant,
            &CATALOG,
            app.id,
            Action::StartPreConsultation,
            "ご確認ください",
            None,
        )
        .await
        .unwrap();
    assert_eq!(app.status, Status::PreConsultation);
    let app = s
        .act(&f.applicant, &CATALOG, app.id, Action::Submit, "", None)
        .await
        .unwrap();
    assert_eq!(app.status, Status::Submitted);
    let app = s
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "承認します",
            Some(assessment.version),
        )
        .await
        .unwrap();
    assert_eq!(app.status, Status::Approved);

    let events = s.application_events(&f.auditor, app.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["start_pre_consultation", "submit", "approve"]);
    assert_eq!(events[2].actor_id, f.approver.user_id().unwrap());
    assert_eq!(events[2].comment, "承認します");
    assert_eq!(events[0].comment, "ご確認ください");

    let ledger = s
        .ledger(
            &f.auditor,
            &LedgerQuery {
                page_size: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ledger.total, 1);
    let entry = &ledger.items[0];
    assert_eq!(entry.fields.service_name, "電子申請サービス");
    assert_eq!(entry.fields.provider, "例示株式会社");
    assert_eq!(entry.fields.purpose, "住民からの申請受付");
    assert_eq!(entry.fields.classification, "機密性2");
    assert_eq!(entry.fields.applicant_department, "情報政策課");
    assert_eq!(entry.fields.applicant_name, "田中 一郎");
    assert_eq!(entry.fields.user_scope, "市民課内に限る");
    assert_eq!(
        (entry.profile_id.as_str(), entry.verdict.as_str()),
        ("city-checklist", "approvable")
    );
    assert_eq!(entry.application_id, Some(app.id));

    let verified = s.verify_audit(None).await.unwrap();
    let chain = verified[0].result.as_ref().unwrap();
    // organization, 7 users, service, assessment, application, 3 transitions, ledger entry
    assert_eq!(chain.count, 1 + 7 + 1 + 1 + 1 + 3 + 1);
});

both!(
    returned_applications_go_back_to_draft_with_the_reason,
    |f| {
        let (app, _) = submitted(&f, APPROVABLE).await;
        let refused = f
            .store
            .act(&f.approver, &CATALOG, app.id, Action::Return, "  ", None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Refused(Refusal::CommentRequired { .. })
            ),
            "{refused}"
        );
        let app = f
            .store
            .act(
                &f.approver,
                &CATALOG,
                app.id,
                Action::Return,
                "利用者の範囲を具体的に書いてください",
                None,
            )
            .await
            .unwrap();
        assert_eq!(app.status, Status::Draft);
        let events = f
            .store
            .application_events(&f.applicant, app.id)
            .await
            .unwrap();
        assert_eq!(events.last().unwrap().to_status, "draft");
        assert_eq!(
            events.last().unwrap().comment,
            "利用者の範囲を具体的に書いてください"
        );
    }
);

both!(
    a_conditional_judgement_needs_each_acceptance_before_approval,
    |f| {
        let (app, assessment) = submitted(&f, NEEDS_CISO).await;
        assert_eq!(assessment.verdict, "conditional");
        let approve = || {
            f.store.act(
                &f.approver,
                &CATALOG,
                app.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
        };
        let refused = approve().await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "情報システム管理者による例外の承認（理由つき）がまだ記録されていません"
        );

        f.store
            .accept(
                &f.approver,
                &CATALOG,
                app.id,
                "代替となる ISMAP 登録サービスがない",
            )
            .await
            .unwrap();
        let refused = approve().await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "統括情報セキュリティ責任者による例外の承認（理由つき）がまだ記録されていません"
        );

        let no_reason = f
            .store
            .accept(&f.ciso, &CATALOG, app.id, " ")
            .await
            .unwrap_err();
        assert!(matches!(
            no_reason,
            StoreError::Refused(Refusal::ReasonRequired)
        ));
        let wrong_role = f
            .store
            .accept(&f.applicant2, &CATALOG, app.id, "理由")
            .await
            .unwrap_err();
        assert!(matches!(wrong_role, StoreError::Denied(_)), "{wrong_role}");
        f.store
            .accept(&f.ciso, &CATALOG, app.id, "ISMS 認証の範囲と対策を確認した")
            .await
            .unwrap();

        let approved = approve().await.unwrap();
        assert_eq!(approved.status, Status::Approved);
        let accepted = f.store.acceptances(&f.auditor, app.id).await.unwrap();
        assert_eq!(accepted.len(), 2);
        let entry = &f
            .store
            .ledger(&f.auditor, &LedgerQuery::default())
            .await
            .unwrap()
            .items[0];
        assert_eq!(entry.verdict, "conditional");
        assert_eq!(entry.fields.classification, "機密性3B");
    }
);

both!(blocking_judgements_are_never_submitted_or_approved, |f| {
    let (app, _) = draft(&f, NOT_APPROVABLE).await;
    f.store
        .act(
            &f.applicant,
            &CATALOG,
            app.id,
            Action::StartPreConsultation,
            "",
            None,
        )
        .await
        .unwrap();
    let refused = f
        .store
        .act(&f.applicant, &CATALOG, app.id, Action::Submit, "", None)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "判定が「承認不可」のため利用申請できません。評価を見直してください"
    );
    let app = f.store.application(&f.applicant, app.id).await.unwrap();
    assert_eq!(app.status, Status::PreConsultation, "nothing changed");
});

both!(nobody_approves_their_own_application, |f| {
    let (app, assessment) = submitted(&f, APPROVABLE).await;
    // The applicant is made an approver while the application is under review.
    f.store
        .set_role(
            &f.operator,
            "tanaka",
            sentei_core::workflow::UserRole::Approver,
        )
        .await
        .unwrap();
    let tanaka = f
        .store
        .authenticate("tanaka", crate::harness::PASSWORD)
        .await
        .unwrap()
        .unwrap();
    let refused = f
        .store
        .act(
            &tanaka,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(assessment.version),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::Refused(Refusal::OwnApplication { .. })),
        "{refused}"
    );
    let other = f
        .store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(assessment.version),
        )
        .await;
    assert_eq!(other.unwrap().status, Status::Approved);
});

both!(approval_refuses_a_review_of_an_older_version, |f| {
    let (app, assessment) = submitted(&f, APPROVABLE).await;
    f.store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Return,
            "1.3 の根拠を追加してください",
            None,
        )
        .await
        .unwrap();
    let saved = f
        .store
        .save_assessment(&f.applicant, &CATALOG, assessment.id, assessment.version, &APPROVABLE.replace("answers: { default: met }", "answers: { default: met, items: { \"1.3\": { status: met, evidence: SLA 第4条 } } }"))
        .await
        .unwrap();
    assert_eq!(saved.version, assessment.version + 1);
    for action in [Action::StartPreConsultation, Action::Submit] {
        f.store
            .act(&f.applicant, &CATALOG, app.id, action, "", None)
            .await
            .unwrap();
    }
    let stale = f
        .store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(assessment.version),
        )
        .await
        .unwrap_err();
    assert_eq!(
        stale.to_string(),
        format!(
            "確認した後に評価が変更されています（確認した版 {}、現在の版 {}）。もう一度確認してください",
            assessment.version, saved.version
        )
    );
    let fresh = f
        .store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(saved.version),
        )
        .await
        .unwrap();
    assert_eq!(fresh.status, Status::Approved);
});

both!(
    approval_refuses_an_assessment_made_under_a_revised_profile,
    |f| {
        let (app, assessment) = submitted(&f, APPROVABLE).await;
        let revised = sentei_core::profile::BUILTIN_SOURCES
            .iter()
            .find(|(file, _)| *file == "city-checklist.yaml")
            .unwrap()
            .1
            .replace("version: \"2\"", "version: \"3\"");
        let mut catalog =
            sentei_core::assessment::Catalog::new(sentei_core::builtin_profiles().unwrap());
        catalog.insert(sentei_core::Profile::from_yaml(&revised).unwrap());
        let refused = f
            .store
            .act(
                &f.approver,
                &catalog,
                app.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(refused, StoreError::Refused(Refusal::ProfileRevised)),
            "{refused}"
        );
    }
);

both!(
    an_assessment_changed_under_review_is_re_submitted_before_a_decision,
    |f| {
        let (app, assessment) = submitted(&f, APPROVABLE).await;
        // The assessment may still change: a new version the application does not follow.
        let saved = f
            .store
            .save_assessment(
                &f.applicant,
                &CATALOG,
                assessment.id,
                assessment.version,
                NOT_APPROVABLE,
            )
            .await
            .unwrap();
        assert_eq!(saved.version, assessment.version + 1);
        let review = f.store.review(&f.approver, &CATALOG, app.id).await.unwrap();
        assert_eq!(review.assessment_version, assessment.version, "pinned");
        assert_eq!(review.verdict.as_str(), "approvable", "as submitted");
        assert!(review.changed_since_pinned);
        assert_eq!(review.actions, [Action::Return]);
        let refused = f
            .store
            .act(
                &f.approver,
                &CATALOG,
                app.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Refused(Refusal::ChangedSinceSubmission {
                    submitted: 1,
                    current: 2
                })
            ),
            "{refused}"
        );
        // Re-submitting a blocked judgement is refused; a good one is pinned anew.
        let blocked = f
            .store
            .act(&f.applicant, &CATALOG, app.id, Action::Resubmit, "", None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                blocked,
                StoreError::Refused(Refusal::VerdictBlocksSubmission { .. })
            ),
            "{blocked}"
        );
        let fixed = f
            .store
            .save_assessment(
                &f.applicant,
                &CATALOG,
                assessment.id,
                saved.version,
                APPROVABLE,
            )
            .await
            .unwrap();
        let resubmitted = f
            .store
            .act(&f.applicant, &CATALOG, app.id, Action::Resubmit, "", None)
            .await
            .unwrap();
        assert_eq!(
            resubmitted.pinned.as_ref().map(|p| p.assessment_version),
            Some(fixed.version)
        );
        let approved = f
            .store
            .act(
                &f.approver,
                &CATALOG,
                app.id,
                Action::Approve,
                "",
                Some(fixed.version),
            )
            .await
            .unwrap();
        assert_eq!(approved.status, Status::Approved);
        let events = f
            .store
            .application_events(&f.auditor, app.id)
            .await
            .unwrap();
        let versions: Vec<(&str, i64)> = events
            .iter()
            .map(|e| (e.action.as_str(), e.assessment_version))
            .collect();
        assert_eq!(
            versions,
            [
                ("start_pre_consultation", 1),
                ("submit", 1),
                ("resubmit", 3),
                ("approve", 3)
            ]
        );
    }
);

both!(two_reviewers_approving_at_once_approve_once, |f| {
    let (app, assessment) = submitted(&f, APPROVABLE).await;
    let v = Some(assessment.version);
    let (a, b) = tokio::join!(
        f.store
            .act(&f.approver, &CATALOG, app.id, Action::Approve, "", v),
        f.store
            .act(&f.approver2, &CATALOG, app.id, Action::Approve, "", v),
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
    let ledger = f
        .store
        .ledger(&f.auditor, &LedgerQuery::default())
        .await
        .unwrap();
    assert_eq!(ledger.total, 1, "exactly one ledger entry");
    assert!(f.store.verify_audit(None).await.unwrap()[0].result.is_ok());
});

both!(roles_that_may_not_act_are_refused, |f| {
    let (app, assessment) = submitted(&f, APPROVABLE).await;
    for actor in [&f.ciso, &f.auditor, &f.admin, &f.applicant2] {
        let refused = f
            .store
            .act(
                actor,
                &CATALOG,
                app.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
            .await;
        assert!(refused.is_err(), "{}", actor.login());
    }
    let service = f
        .store
        .create_service(
            &f.auditor,
            sentei_store::NewService {
                name: "x".into(),
                provider: "y".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        service.to_string(),
        "監査担当者にはこの操作の権限がありません"
    );
    let application = f
        .store
        .create_application(
            &f.approver,
            sentei_store::NewApplication {
                service_id: 1,
                assessment_id: assessment.id,
                purpose: "x".into(),
                user_scope: "y".into(),
                period_start: time::macros::date!(2026 - 01 - 01),
                period_end: time::macros::date!(2026 - 12 - 31),
                kind: sentei_core::workflow::Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(application, StoreError::Denied(_)));
});
