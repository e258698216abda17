//! An audit trail a person can read (issue #11, item 7): filters by who, what and when,
//! summaries of changes in words, and failed sign-ins on the record.

use sea_orm::{ConnectionTrait, Database};
use sentei_store::{AuditQuery, StoreError};
use time::Duration;

use crate::both;
use crate::harness::{CATALOG, Fixture, PASSWORD};
use crate::steps::{APPROVABLE, draft};

fn today_in_japan() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}

async fn search(f: &Fixture, query: AuditQuery) -> Vec<sentei_store::AuditView> {
    f.store
        .audit_search(
            &f.auditor,
            &AuditQuery {
                page_size: 500,
                ..query
            },
        )
        .await
        .unwrap()
        .items
}

both!(the_trail_is_filtered_by_who_what_and_when, |f| {
    let (_, assessment) = draft(&f, APPROVABLE).await;
    f.store
        .save_assessment(&f.applicant, &CATALOG, assessment.id, 1, APPROVABLE)
        .await
        .unwrap();
    let by_tanaka = search(
        &f,
        AuditQuery {
            actor: Some("tanaka".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert!(!by_tanaka.is_empty());
    assert!(by_tanaka.iter().all(|r| r.actor == "tanaka"));
    let saves = search(
        &f,
        AuditQuery {
            action: Some("assessment.save".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(saves.len(), 1);
    let today = today_in_japan();
    let everything = search(&f, AuditQuery::default()).await.len();
    let today_only = search(
        &f,
        AuditQuery {
            from: Some(today),
            to: Some(today),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(today_only.len(), everything);
    let yesterday = today - Duration::days(1);
    let before = search(
        &f,
        AuditQuery {
            to: Some(yesterday),
            ..Default::default()
        },
    )
    .await;
    assert!(before.is_empty());
    // A record made yesterday (moved there behind the store's back) is found by that day only.
    f.tampering();
    let db = Database::connect(f.url.expose()).await.unwrap();
    db.execute_unprepared(
        "UPDATE audit_records SET at_micros = at_micros - 86400000000 WHERE seq = 1",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let found = search(
        &f,
        AuditQuery {
            from: Some(yesterday),
            to: Some(yesterday),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [1]);
    let refused = f
        .store
        .audit_search(
            &f.auditor,
            &AuditQuery {
                from: Some(today),
                to: Some(yesterday),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("より後になっています"),
        "{refused}"
    );
    // The choices offered are those in the trail.
    let (actors, actions) = f.store.audit_choices(&f.auditor).await.unwrap();
    assert!(actors.contains(&"tanaka".to_owned()) && actors.contains(&"system".to_owned()));
    assert!(actions.contains(&"assessment.save".to_owned()));
    // Exports hold the same records, oldest first; only for those who read the trail.
    let exported = f
        .store
        .audit_export(
            &f.auditor,
            &AuditQuery {
                actor: Some("tanaka".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(exported.len(), by_tanaka.len());
    assert!(exported.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(matches!(
        f.store
            .audit_export(&f.applicant, &AuditQuery::default())
            .await,
        Err(StoreError::Denied(_))
    ));
});

both!(an_assessment_save_says_what_changed, |f| {
    let (_, assessment) = draft(&f, APPROVABLE).await;
    // The ISMAP registration gone, and data kept abroad.
    let changed = crate::steps::NOT_APPROVABLE;
    f.store
        .save_assessment(&f.applicant, &CATALOG, assessment.id, 1, changed)
        .await
        .unwrap();
    let saves = search(
        &f,
        AuditQuery {
            action: Some("assessment.save".to_owned()),
            ..Default::default()
        },
    )
    .await;
    let summary = saves[0].summary.clone().unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "版: 1 → 2",
            "判定: 承認可能 → 承認不可",
            "認証: ISMAP クラウドサービスリスト登録 → なし"
        ],
        "{summary}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("項目 1.12: 対象外") && l.ends_with("→ 満たさない")),
        "{summary}"
    );
    // Saved again unchanged, it says so.
    f.store
        .save_assessment(&f.applicant, &CATALOG, assessment.id, 2, changed)
        .await
        .unwrap();
    let again = search(
        &f,
        AuditQuery {
            action: Some("assessment.save".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        again[0].summary.as_deref(),
        Some("版: 2 → 3\n内容の変更はありません")
    );
});

both!(failed_sign_ins_are_recorded_without_the_password, |f| {
    let s = &f.store;
    s.record_failed_sign_in("tanaka", "192.0.2.7")
        .await
        .unwrap();
    s.record_failed_sign_in("nobody", "192.0.2.7")
        .await
        .unwrap();
    // A password typed into the login field is not kept.
    s.record_failed_sign_in("Secret Passw0rd!", "192.0.2.7")
        .await
        .unwrap();
    s.record_failed_sign_in(&"x".repeat(100_000), "192.0.2.7")
        .await
        .unwrap();
    let failed = search(
        &f,
        AuditQuery {
            action: Some("user.sign_in_failed".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(failed.len(), 4);
    let tanaka = f.applicant.user_id().unwrap();
    assert_eq!(failed[3].object, format!("user:{tanaka}"));
    assert_eq!(failed[3].actor, "address:192.0.2.7");
    assert_eq!(
        failed[3].summary.as_deref(),
        Some("ログイン名: tanaka\nパスワードが違います\n接続元: 192.0.2.7")
    );
    assert_eq!(failed[2].object, "login:nobody");
    for record in &failed[..2] {
        assert_eq!(record.object, "login:-");
        let summary = record.summary.as_deref().unwrap();
        assert!(
            !summary.contains("Secret") && !summary.contains("xxx"),
            "{summary}"
        );
    }
    // The trail still verifies.
    assert!(s.verify_audit(None).await.unwrap()[0].result.is_ok());
    // The password itself never reaches the trail, whatever the login.
    assert!(s.authenticate("tanaka", PASSWORD).await.unwrap().is_some());
});
