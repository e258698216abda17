//! Assessments under concurrent editing, organization isolation.

use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, StoreError};

use crate::both;
use crate::harness::{CATALOG, PASSWORD};
use crate::steps::{APPROVABLE, NOT_APPROVABLE, assessment, draft, service};

both!(
    two_people_saving_the_same_version_never_overwrite_each_other,
    |f| {
        let svc = service(&f, "文書共有").await;
        let first = assessment(&f, &svc, APPROVABLE).await;
        let theirs = f
            .store
            .save_assessment(
                &f.applicant2,
                &CATALOG,
                first.id,
                first.version,
                NOT_APPROVABLE,
            )
            .await
            .unwrap();
        assert_eq!(theirs.version, 2);
        assert_eq!(theirs.verdict, "not_approvable");
        let mine = f
            .store
            .save_assessment(&f.applicant, &CATALOG, first.id, first.version, APPROVABLE)
            .await
            .unwrap_err();
        let StoreError::Conflict {
            current_version, ..
        } = &mine
        else {
            panic!("{mine}")
        };
        assert_eq!(*current_version, 2);
        assert!(
            mine.to_string()
                .contains("ほかの人が変更しました（読み込んだ版 1、現在の版 2）")
        );
        let stored = f.store.assessment(&f.auditor, first.id).await.unwrap();
        assert_eq!(
            stored.verdict, "not_approvable",
            "the other person's save is kept"
        );
        assert_eq!(stored.updated_by, f.applicant2.user_id().unwrap());
    }
);

both!(saves_are_judged_and_stored_as_contract_documents, |f| {
    let svc = service(&f, "文書共有").await;
    let stored = assessment(&f, &svc, NOT_APPROVABLE).await;
    // The registry's name and provider replace the document's.
    assert_eq!(stored.document["service"]["name"], "文書共有");
    assert_eq!(stored.document["answers"]["items"]["1.12"], "unmet");
    let judgement: serde_json::Value = serde_json::from_str(stored.judgement.get()).unwrap();
    assert_eq!(judgement["verdict"], "not_approvable");
    assert_eq!(stored.profile_version, "2");
    // What is stored reads back as an assessment.
    let again = CATALOG
        .parse_assessment(&stored.document.to_string())
        .unwrap();
    assert_eq!(again.service.name, "文書共有");
    let invalid = f
        .store
        .create_assessment(
            &f.applicant,
            &CATALOG,
            svc.id,
            "profile: city-checklist\nservice: {name: a, provider: b}\nfacts: {colour: red}\n",
        )
        .await
        .unwrap_err();
    assert!(matches!(invalid, StoreError::Invalid(_)));
    assert!(invalid.to_string().contains("facts.colour"), "{invalid}");
});

both!(organizations_never_see_each_other, |f| {
    let (app, assessment) = draft(&f, APPROVABLE).await;
    f.store.create_organization("sakai", "堺市").await.unwrap();
    let sakai_operator = f.store.operator("sakai").await.unwrap();
    f.store
        .add_user(
            &sakai_operator,
            NewUser {
                login: "sakai.approver".into(),
                display_name: "堺 太郎".into(),
                department: "情報システム課".into(),
                role: UserRole::Approver,
                password: PASSWORD.into(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    let stranger = f
        .store
        .authenticate("sakai.approver", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        f.store.application(&stranger, app.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        f.store.assessment(&stranger, assessment.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        f.store.service(&stranger, assessment.service_id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        f.store
            .services(&stranger, &Default::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        f.store
            .applications(&stranger, None, 1, 50)
            .await
            .unwrap()
            .total,
        0
    );
    let acting = f
        .store
        .act(
            &stranger,
            &CATALOG,
            app.id,
            sentei_core::workflow::Action::Return,
            "x",
            None,
        )
        .await;
    assert!(matches!(acting, Err(StoreError::NotFound(_))));
    // Each organization has its own chain, and both verify.
    let chains = f.store.verify_audit(None).await.unwrap();
    assert_eq!(chains.len(), 2);
    assert!(chains.iter().all(|c| c.result.is_ok()));
});

both!(
    services_are_listed_by_their_latest_judgement_and_status,
    |f| {
        use sentei_core::workflow::{Action, Status};
        use sentei_store::ServiceQuery;
        let (app, _) = draft(&f, APPROVABLE).await;
        let blocked = service(&f, "海外保存サービス").await;
        assessment(&f, &blocked, NOT_APPROVABLE).await;
        service(&f, "未評価のサービス").await;
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
        let list = |query: ServiceQuery| {
            let store = f.store.clone();
            let actor = f.auditor.clone();
            async move {
                store
                    .services(&actor, &query)
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list(ServiceQuery {
                verdict: Some("approvable".into()),
                ..Default::default()
            })
            .await,
            ["電子申請サービス"]
        );
        assert_eq!(
            list(ServiceQuery {
                verdict: Some("not_approvable".into()),
                ..Default::default()
            })
            .await,
            ["海外保存サービス"]
        );
        assert_eq!(
            list(ServiceQuery {
                status: Some("pre_consultation".into()),
                ..Default::default()
            })
            .await,
            ["電子申請サービス"]
        );
        assert_eq!(
            list(ServiceQuery {
                classification: Some("機密性2".into()),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            list(ServiceQuery {
                search: "未評価".into(),
                ..Default::default()
            })
            .await,
            ["未評価のサービス"]
        );
        assert_eq!(
            f.store.providers(&f.auditor).await.unwrap(),
            ["例示株式会社"]
        );
        let counts = f.store.application_counts(&f.auditor).await.unwrap();
        assert!(counts.contains(&(Status::PreConsultation, 1)));
        let waiting = f.store.waiting_for(&f.approver).await.unwrap();
        assert_eq!(waiting.iter().map(|a| a.id).collect::<Vec<_>>(), [app.id]);
        assert!(f.store.waiting_for(&f.ciso).await.unwrap().is_empty());
    }
);

both!(
    kept_verdicts_are_judged_again_when_the_reading_of_a_profile_changes,
    |f| {
        let svc = service(&f, "文書共有").await;
        let a = assessment(&f, &svc, APPROVABLE).await;
        assert_eq!(a.verdict, "approvable");
        // The same profile, read differently (version 3): ISMAP (1.1) no longer skips 1.6 to
        // 1.28, so the default alone no longer carries the assessment.
        let revised_text = sentei_core::profile::BUILTIN_SOURCES
            .iter()
            .find(|(file, _)| *file == "city-checklist.yaml")
            .unwrap()
            .1
            .replace(
                "id: city-checklist\nversion: \"2\"",
                "id: city-checklist\nversion: \"3\"",
            )
            .replacen("    when: { met: \"1.1\" }", "    when: false", 1);
        let mut revised =
            sentei_core::assessment::Catalog::new(sentei_core::builtin_profiles().unwrap());
        revised.insert(sentei_core::Profile::from_yaml(&revised_text).unwrap());

        let report = f.store.rejudge(&revised).await.unwrap();
        assert_eq!(report.judged, 1);
        assert_eq!(report.changed, 1);
        let again = f.store.assessment(&f.auditor, a.id).await.unwrap();
        assert_ne!(
            again.verdict, "approvable",
            "the list no longer shows 承認可能"
        );
        assert_eq!(again.version, a.version, "the document is not saved again");
        assert_eq!(again.profile_version, "2", "it was saved under version 2");
        let judgement: serde_json::Value = serde_json::from_str(again.judgement.get()).unwrap();
        assert_eq!(judgement["profile"]["version"], "3");
        let listed = f.store.service(&f.auditor, svc.id).await.unwrap();
        assert_eq!(listed.verdict, again.verdict);
        let audit = f.store.audit_page(&f.auditor, 1, 5).await.unwrap();
        let record = &audit.items[0];
        assert_eq!(record.action, "assessment.rejudged");
        assert_eq!(record.object, format!("assessment:{}", a.id));

        // A second run finds nothing to change, and the chain still verifies.
        let quiet = f.store.rejudge(&revised).await.unwrap();
        assert_eq!(quiet.changed, 0);
        assert!(
            f.store
                .verify_audit(None)
                .await
                .unwrap()
                .iter()
                .all(|c| c.result.is_ok())
        );
    }
);
