//! An audit trail a person can read (issue #11, item 7): filters by who, what and when,
//! summaries of changes in words, and failed sign-ins and sign-in waits on the record.

use sea_orm::{ConnectionTrait, Database};
use sentei_store::{AuditQuery, Reservation, StoreError};
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

/// Ends the current wait of every throttling run, as if its time had passed; the runs go on.
async fn end_the_waits(f: &Fixture) {
    let sql = match f.kind {
        crate::harness::Kind::Postgres => {
            "UPDATE sign_in_throttle SET next_at = next_at - interval '1 day'"
        }
        crate::harness::Kind::Sqlite => {
            "UPDATE sign_in_throttle SET next_at = '2000' || substr(next_at, 5)"
        }
    };
    let db = Database::connect(f.url.expose()).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

/// Sign-in attempts for `login` from `address`, `n` of them at once; how many were told to
/// wait.
async fn attempts(f: &Fixture, login: &str, address: &str, n: usize) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (store, login, address) = (f.store.clone(), login.to_owned(), address.to_owned());
        tasks.spawn(async move { store.reserve_sign_in(&login, &address).await.unwrap() });
    }
    let mut waited = 0;
    while let Some(reservation) = tasks.join_next().await {
        if matches!(reservation.unwrap(), Reservation::Wait { .. }) {
            waited += 1;
        }
    }
    waited
}

// Lockouts became growing waits (issue 12, finding 7); an auditor must still see them, and
// nobody may fill the trail by asking again and again during a wait.
both!(
    a_run_of_waits_is_recorded_once_for_the_account_and_for_the_address,
    |f| {
        let slowed = async || {
            search(
                &f,
                AuditQuery {
                    action: Some("user.sign_in_throttled".to_owned()),
                    ..Default::default()
                },
            )
            .await
        };
        let free = usize::try_from(sentei_core::throttle::PER_ACCOUNT.free).unwrap();
        // The free attempts, all at once, are all let through (each attempt's time was once
        // taken before it waited for the others, and some were made to wait for no reason).
        assert_eq!(attempts(&f, "tanaka", "192.0.2.7", free).await, 0);
        assert!(slowed().await.is_empty(), "free attempts are no wait");
        // Twenty attempts at once during the wait: all refused, one record.
        assert_eq!(attempts(&f, "tanaka", "192.0.2.7", 20).await, 20);
        let records = slowed().await;
        assert_eq!(records.len(), 1, "{records:?}");
        let tanaka = f.applicant.user_id().unwrap();
        assert_eq!(records[0].object, format!("user:{tanaka}"));
        assert_eq!(records[0].actor, "address:192.0.2.7");
        let summary = records[0].summary.as_deref().unwrap();
        assert!(
        summary.starts_with(
            "ログイン名: tanaka\n理由: このログイン名へのログインの失敗が続いたため\n接続元: 192.0.2.7\n待ち時間: 次の試行まで "
        ),
        "{summary}"
    );
        // Once the wait is over the next attempt is verified, and the refusals after it are a new
        // run of waits, recorded once again.
        end_the_waits(&f).await;
        assert_eq!(attempts(&f, "tanaka", "192.0.2.7", 1).await, 0);
        assert_eq!(attempts(&f, "tanaka", "192.0.2.7", 5).await, 5);
        assert_eq!(slowed().await.len(), 2);

        // Guessing many names from one address: the address's run, on the record as the address.
        let per_address = sentei_core::throttle::PER_ADDRESS.free;
        for n in 0..per_address {
            let name = format!("guess{n}");
            assert_eq!(attempts(&f, &name, "198.51.100.7", 1).await, 0);
        }
        assert_eq!(attempts(&f, "suzuki", "198.51.100.7", 3).await, 3);
        let records = slowed().await;
        assert_eq!(records.len(), 3, "{records:?}");
        assert_eq!(records[0].object, "address:198.51.100.7");
        assert_eq!(
            records[0].summary.as_deref().unwrap().lines().next(),
            Some("理由: この接続元からのログインの失敗が続いたため")
        );
        // Others are neither slowed down nor recorded.
        assert_eq!(attempts(&f, "suzuki", "192.0.2.8", 1).await, 0);
        assert_eq!(slowed().await.len(), 3);
        assert!(f.store.verify_audit(None).await.unwrap()[0].result.is_ok());
    }
);
