//! Issue 12: the findings of the outside security test that concern the store, each
//! reproduced as the attack it was, on both databases.

use sea_orm::{ConnectionTrait, Database};
use sentei_core::workflow::{Refusal, UserRole};
use sentei_store::{Actor, NewUser, Reservation, StoreError};

use crate::both;
use crate::harness::{CATALOG, Fixture, Kind, PASSWORD};
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
                email: String::new(),
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
            .attach(&other, &CATALOG, ours.id, "1.3", "x.pdf", b"%PDF-1.7 x")
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

/// The keys of the sign-in throttling table, read behind the store's back.
async fn throttle_keys(f: &Fixture) -> Vec<String> {
    let db = Database::connect(f.url.expose()).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT key FROM sign_in_throttle".to_owned(),
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "key").unwrap())
        .collect()
}

/// Moves every throttling row a day into the past.
async fn age_throttle_rows(f: &Fixture) {
    let sql = match f.kind {
        Kind::Postgres => {
            "UPDATE sign_in_throttle SET last_at = last_at - interval '1 day', next_at = next_at - interval '1 day'"
        }
        Kind::Sqlite => {
            "UPDATE sign_in_throttle SET last_at = '2000' || substr(last_at, 5), next_at = '2000' || substr(next_at, 5)"
        }
    };
    let db = Database::connect(f.url.expose()).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

// Finding 3: a 1 MB login name was stored in the throttling table (ten tries grew the
// database by 18 MB) and rows were never purged.
both!(
    issue_12_failed_sign_ins_keep_small_rows_and_only_recent_ones,
    |f| {
        let huge = "a".repeat(1_000_000);
        for _ in 0..10 {
            f.store.reserve_sign_in(&huge, "192.0.2.1").await.unwrap();
            assert!(f.store.authenticate(&huge, "x").await.unwrap().is_none());
        }
        f.store
            .reserve_sign_in("tanaka", "192.0.2.1")
            .await
            .unwrap();
        let keys = throttle_keys(&f).await;
        assert_eq!(
            keys.len(),
            2,
            "the address and tanaka, not the name: {keys:?}"
        );
        assert!(keys.iter().all(|k| k.len() <= 100), "{keys:?}");
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("aaaa") || k.contains("tanaka"))
        );
        // A day later, the next attempt sweeps the old rows away.
        age_throttle_rows(&f).await;
        f.store
            .reserve_sign_in("suzuki", "192.0.2.2")
            .await
            .unwrap();
        let keys = throttle_keys(&f).await;
        assert_eq!(keys.len(), 2, "only suzuki and 192.0.2.2 remain: {keys:?}");
        assert!(keys.contains(&"address:192.0.2.2".to_owned()));
    }
);

// Finding 6: after an administrator's reset (page or `sentei user passwd`), the user's old
// session and API tokens kept working.
both!(
    issue_12_a_password_reset_ends_every_session_and_token,
    |f| {
        let s = &f.store;
        let (first, _) = s.start_session(&f.approver).await.unwrap();
        let (second, _) = s.start_session(&f.approver).await.unwrap();
        let (token, _) = s
            .create_token(
                &f.approver,
                &sentei_store::NewToken::new("集計", sentei_core::access::Scope::ReadWrite),
            )
            .await
            .unwrap();
        // Used once, so this server remembers who they belong to.
        assert!(s.session(&first).await.unwrap().is_some());
        assert!(s.token_actor(&token).await.unwrap().is_some());
        let ended = s
            .reset_password(&f.admin, "suzuki", "reset by the administrator")
            .await
            .unwrap();
        assert_eq!((ended.sessions, ended.tokens), (2, 1));
        assert!(s.session(&first).await.unwrap().is_none());
        assert!(s.session(&second).await.unwrap().is_none());
        assert!(s.token_actor(&token).await.unwrap().is_none());
        // The command line resets as the operator, the same way.
        let (third, _) = s.start_session(&f.approver).await.unwrap();
        let (token, _) = s
            .create_token(
                &f.approver,
                &sentei_store::NewToken::new("集計", sentei_core::access::Scope::ReadWrite),
            )
            .await
            .unwrap();
        s.reset_password(&f.operator, "suzuki", "reset on the server")
            .await
            .unwrap();
        assert!(s.session(&third).await.unwrap().is_none());
        assert!(s.token_actor(&token).await.unwrap().is_none());
        // Other users keep theirs.
        let (theirs, _) = s.start_session(&f.applicant).await.unwrap();
        s.reset_password(&f.admin, "suzuki", "and once again reset")
            .await
            .unwrap();
        assert!(s.session(&theirs).await.unwrap().is_some());
    }
);

// Finding 6: a change of one's own password keeps the session it is made from, ends the
// others, and ends the API tokens when asked to.
both!(
    issue_12_changing_ones_own_password_offers_to_end_tokens,
    |f| {
        let s = &f.store;
        let (here, session) = s.start_session(&f.approver).await.unwrap();
        let (elsewhere, _) = s.start_session(&f.approver).await.unwrap();
        let (token, _) = s
            .create_token(
                &f.approver,
                &sentei_store::NewToken::new("集計", sentei_core::access::Scope::ReadWrite),
            )
            .await
            .unwrap();
        s.change_own_password(
            &f.approver,
            "a new and long password",
            Some(session.id),
            false,
        )
        .await
        .unwrap();
        assert!(s.session(&here).await.unwrap().is_some());
        assert!(s.session(&elsewhere).await.unwrap().is_none());
        assert!(
            s.token_actor(&token).await.unwrap().is_some(),
            "kept unless asked"
        );
        let ended = s
            .change_own_password(
                &f.approver,
                "yet another long password",
                Some(session.id),
                true,
            )
            .await
            .unwrap();
        assert_eq!((ended.sessions, ended.tokens), (0, 1));
        assert!(s.token_actor(&token).await.unwrap().is_none());
        assert!(s.session(&here).await.unwrap().is_some());
    }
);

// Finding 7: 40 parallel wrong passwords got 31 real verifications against a limit of 5, and
// 5 wrong passwords locked anyone out for 15 minutes.
both!(
    issue_12_parallel_attempts_get_no_more_verifications_than_the_limit,
    |f| {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let store = f.store.clone();
            tasks.spawn(async move { store.reserve_sign_in("tanaka", "192.0.2.1").await.unwrap() });
        }
        let mut granted = 0;
        while let Some(reservation) = tasks.join_next().await {
            if reservation.unwrap() == Reservation::Granted {
                granted += 1;
            }
        }
        assert_eq!(granted, sentei_core::throttle::PER_ACCOUNT.free);
        // Slowed down, not locked out: asking again and again does not lengthen the wait, and
        // once it has passed the next attempt is verified.
        let keys = throttle_keys(&f).await;
        for _ in 0..20 {
            assert!(matches!(
                f.store.reserve_sign_in("tanaka", "192.0.2.1").await.unwrap(),
                Reservation::Wait { seconds } if seconds <= 16
            ));
        }
        assert_eq!(throttle_keys(&f).await, keys);
        // The run goes on (its last attempt was a moment ago); only its wait is made to be over.
        let sql = match f.kind {
            Kind::Postgres => "UPDATE sign_in_throttle SET next_at = next_at - interval '1 day'",
            Kind::Sqlite => "UPDATE sign_in_throttle SET next_at = '2000' || substr(next_at, 5)",
        };
        let db = Database::connect(f.url.expose()).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
        assert_eq!(
            f.store
                .reserve_sign_in("tanaka", "192.0.2.1")
                .await
                .unwrap(),
            Reservation::Granted,
            "the sixth attempt is verified once the wait is over"
        );
        // ... and the seventh must wait longer than the sixth did.
        assert!(matches!(
            f.store.reserve_sign_in("tanaka", "192.0.2.1").await.unwrap(),
            Reservation::Wait { seconds } if seconds > 16
        ));
    }
);

// Finding 8: `?page=18446744073709551615` panicked inside the query builder on both databases.
both!(issue_12_huge_page_numbers_give_an_empty_last_page, |f| {
    let huge = u64::MAX;
    let ledger = f
        .store
        .ledger(
            &f.auditor,
            &sentei_store::LedgerQuery {
                page: huge,
                page_size: huge,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(ledger.items.is_empty());
    assert_eq!(ledger.page, sentei_store::MAX_PAGE);
    assert_eq!(ledger.page_size, sentei_store::MAX_PAGE_SIZE);
    let services = f
        .store
        .services(
            &f.auditor,
            &sentei_store::ServiceQuery {
                page: huge,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(services.items.is_empty());
    let audit = f.store.audit_page(&f.auditor, huge, huge).await.unwrap();
    assert!(audit.items.is_empty());
    let applications = f.store.applications(&f.auditor, None, huge, huge).await;
    assert!(applications.unwrap().items.is_empty());
});

// Finding 9: a NUL in a service name or a ledger cell was stored on SQLite and was a 500 on
// PostgreSQL. Control characters (but line ends where text has lines) and characters that
// reorder text are refused before either database sees them, alike on both.
both!(
    issue_12_control_and_reordering_characters_are_refused_alike,
    |f| {
        let s = &f.store;
        let service = |name: &str, description: &str| sentei_store::NewService {
            name: name.to_owned(),
            provider: "例示株式会社".to_owned(),
            description: description.to_owned(),
        };
        for (name, description, message) in [
            (
                "電子申請\u{0}",
                "",
                "サービスの名称: 制御文字（U+0000）は使えません",
            ),
            (
                "承認\u{202e}可能",
                "",
                "文字の表示の向きを変える制御文字（U+202E）は使えません",
            ),
            ("二行の\n名称", "", "改行やタブ（U+000A）は使えません"),
            (
                "電子申請",
                "説明\u{1b}[31m",
                "説明: 制御文字（U+001B）は使えません",
            ),
        ] {
            let refused = s
                .create_service(&f.applicant, service(name, description))
                .await
                .unwrap_err();
            assert!(matches!(refused, StoreError::Rejected(_)), "{refused}");
            assert!(refused.to_string().contains(message), "{refused}");
        }
        // Line ends and tabs are text where text has lines.
        s.create_service(&f.applicant, service("電子申請", "一行目\n\t二行目"))
            .await
            .unwrap();
        // Searching for one is refused, not a database error.
        let refused = s
            .services(
                &f.auditor,
                &sentei_store::ServiceQuery {
                    search: "\u{0}".to_owned(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Rejected(_)), "{refused}");
        let refused = s
            .ledger(
                &f.auditor,
                &sentei_store::LedgerQuery {
                    search: "a\u{0}".to_owned(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Rejected(_)), "{refused}");
        // In an assessment's reasons, and in a ledger cell read from a file.
        let svc = service_row(&f).await;
        let document = "profile: city-checklist\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\nanswers:\n  default: met\n  items:\n    \"1.12\": { status: unmet, reason: \"国外\\0保存\" }\n";
        let refused = s
            .create_assessment(&f.applicant, &CATALOG, svc, document)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(_)), "{refused}");
        assert!(
            refused.to_string().contains("制御文字（U+0000）"),
            "{refused}"
        );
        let mut row = crate::ledger::imported(1, false);
        row.fields.service_name = "取込\u{0}サービス".to_owned();
        let refused = s
            .import_ledger(
                &f.approver,
                &sentei_store::ImportSource::of("台帳.csv", b"file"),
                &[row],
            )
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("制御文字（U+0000）"),
            "{refused}"
        );
        let ledger = s
            .ledger(&f.auditor, &sentei_store::LedgerQuery::default())
            .await
            .unwrap();
        assert_eq!(ledger.total, 0, "nothing was stored");
    }
);

async fn service_row(f: &Fixture) -> i64 {
    service(f, "文書共有").await.id
}

// Finding 10: the ledger import's apply step took the rows, the file name and the places from
// the client. A preview is kept on the server, for its maker only, registered once, within the
// hour, with the digest of the file it was read from.
both!(
    issue_12_a_ledger_import_preview_is_kept_on_the_server,
    |f| {
        let s = &f.store;
        let rows = vec![crate::ledger::imported(1, false)];
        let source =
            sentei_store::ImportSource::of("../..\\本物の\u{202e}台帳.csv", b"the bytes read");
        assert_eq!(source.name(), "本物の台帳.csv");
        assert_eq!(source.digest().len(), 64);
        let kept = s
            .keep_ledger_import_preview(&f.approver, &source, &rows)
            .await
            .unwrap();
        let refused = s
            .apply_ledger_import_preview(&f.approver2, &kept.token)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::NotFound(_)), "{refused}");
        assert!(matches!(
            s.apply_ledger_import_preview(&f.applicant, &kept.token)
                .await,
            Err(StoreError::Denied(_))
        ));
        let (applied, plan) = s
            .apply_ledger_import_preview(&f.approver, &kept.token)
            .await
            .unwrap();
        assert_eq!((applied, plan.created_ids.len()), (source.clone(), 1));
        let history = s
            .ledger_history(&f.auditor, plan.created_ids[0])
            .await
            .unwrap();
        assert_eq!(
            history[0].comment,
            format!(
                "本物の台帳.csv の 台帳 2行目 から取り込み（SHA-256 {}）",
                &source.digest()[..16]
            )
        );
        // Once only; and not after an hour.
        assert!(matches!(
            s.apply_ledger_import_preview(&f.approver, &kept.token)
                .await,
            Err(StoreError::NotFound(_))
        ));
        let rows = vec![crate::ledger::imported(2, false)];
        let late = s
            .keep_ledger_import_preview(&f.approver, &source, &rows)
            .await
            .unwrap();
        let sql = match f.kind {
            Kind::Postgres => {
                "UPDATE ledger_import_previews SET created_at = created_at - interval '2 hours'"
            }
            Kind::Sqlite => {
                "UPDATE ledger_import_previews SET created_at = '2000' || substr(created_at, 5)"
            }
        };
        let db = Database::connect(f.url.expose()).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
        assert!(matches!(
            s.apply_ledger_import_preview(&f.approver, &late.token)
                .await,
            Err(StoreError::NotFound(_))
        ));
    }
);

// Finding 14: a vendor link could set `answers.default` and answer items it does not show.
both!(
    issue_12_a_vendor_link_answers_only_the_items_it_shows,
    |f| {
        let s = &f.store;
        let svc = service(&f, "文書共有").await;
        let stored = assessment(&f, &svc, APPROVABLE).await;
        let (token, _) = s
            .create_vendor_link(&f.applicant, stored.id, "例示株式会社 山田", 14)
            .await
            .unwrap();
        let access = s.vendor_access(&token).await.unwrap();
        let profile = CATALOG.get("city-checklist").unwrap();
        let before = CATALOG
            .parse_assessment(&stored.document.to_string())
            .unwrap();
        let shown = sentei_core::vendor::shown_items(profile, &before);
        let hidden = (0..profile.items.len())
            .find(|i| !shown.contains(i))
            .expect("an item the link does not show (met by the ISMAP registration)");
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut document = stored.document.clone();
            edit(&mut document);
            document.to_string()
        };
        let default_changed = with(&|d| d["answers"]["default"] = "unmet".into());
        let refused = s
            .vendor_save(&access, &CATALOG, 1, &default_changed)
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("まとめて決めることはできません"),
            "{refused}"
        );
        let hidden_id = profile.items[hidden].id.clone();
        let not_shown = with(&|d| {
            d["answers"]["items"][hidden_id.as_str()] =
                serde_json::json!({ "status": "met", "evidence": "差し替えた根拠" })
        });
        let refused = s
            .vendor_save(&access, &CATALOG, 1, &not_shown)
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains(&format!("項目 {hidden_id}はご依頼の項目ではありません")),
            "{refused}"
        );
        let facts_changed = with(&|d| d["facts"]["classification"] = "3".into());
        assert!(
            s.vendor_save(&access, &CATALOG, 1, &facts_changed)
                .await
                .is_err()
        );
        // A shown item is answered.
        let shown_id = profile.items[shown[0]].id.clone();
        let answered = with(&|d| {
            d["answers"]["items"][shown_id.as_str()] =
                serde_json::json!({ "status": "unmet", "reason": "国外のデータセンター" })
        });
        let saved = s
            .vendor_save(&access, &CATALOG, 1, &answered)
            .await
            .unwrap();
        assert_eq!(saved.version, 2);
    }
);

/// Runs SQL behind the store's back.
async fn sql(f: &Fixture, postgres: &str, sqlite: &str) {
    let db = Database::connect(f.url.expose()).await.unwrap();
    let statement = match f.kind {
        Kind::Postgres => postgres,
        Kind::Sqlite => sqlite,
    };
    db.execute_unprepared(statement).await.unwrap();
    db.close().await.unwrap();
}

// Finding 13: API tokens never expired, could do everything their user could, and could make
// more tokens; an administrator could change their own role.
both!(
    issue_12_tokens_expire_have_a_scope_and_make_no_tokens,
    |f| {
        use sentei_core::access::Scope;
        use sentei_store::NewToken;
        let s = &f.store;
        // A lifetime within the limit only.
        for days in [0, 366] {
            let refused = s
                .create_token(
                    &f.applicant,
                    &NewToken {
                        days,
                        ..NewToken::new("x", Scope::ReadOnly)
                    },
                )
                .await
                .unwrap_err();
            assert!(refused.to_string().contains("1〜365 日"), "{refused}");
        }
        // Read-only: reads, and is refused anything else with a reason.
        let (read, view) = s
            .create_token(&f.applicant, &NewToken::new("集計", Scope::ReadOnly))
            .await
            .unwrap();
        assert_eq!(view.scope, Scope::ReadOnly);
        assert!(view.expires_at > view.created_at + time::Duration::days(89));
        let reader = s.token_actor(&read).await.unwrap().unwrap();
        assert!(s.services(&reader, &Default::default()).await.is_ok());
        let refused = s
            .create_service(
                &reader,
                sentei_store::NewService {
                    name: "x".into(),
                    provider: "y".into(),
                    description: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "読み取りのみの API トークンでは、この操作はできません"
        );
        assert!(matches!(
            s.revoke_token(&reader, view.id).await,
            Err(StoreError::Denied(_))
        ));
        // No token makes a token, whatever its scope.
        let (write, _) = s
            .create_token(&f.applicant, &NewToken::new("登録", Scope::ReadWrite))
            .await
            .unwrap();
        let writer = s.token_actor(&write).await.unwrap().unwrap();
        assert!(writer.can(sentei_core::access::Capability::Register));
        let refused = s
            .create_token(&writer, &NewToken::new("もう一つ", Scope::ReadWrite))
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("API トークンでは新しいトークンを作れません")
        );
        // Expired: a token past its day, and one from before expiry existed, older than 90 days.
        let (old, _) = s
            .create_token(&f.auditor, &NewToken::new("古い", Scope::ReadOnly))
            .await
            .unwrap();
        let (legacy, _) = s
            .create_token(&f.auditor, &NewToken::new("以前の", Scope::ReadOnly))
            .await
            .unwrap();
        sql(
        &f,
        "UPDATE api_tokens SET expires_at = expires_at - interval '400 days' WHERE name = '古い'",
        "UPDATE api_tokens SET expires_at = '2000' || substr(expires_at, 5) WHERE name = '古い'",
    )
    .await;
        sql(
        &f,
        "UPDATE api_tokens SET expires_at = NULL, created_at = created_at - interval '91 days' WHERE name = '以前の'",
        "UPDATE api_tokens SET expires_at = NULL, created_at = '2000' || substr(created_at, 5) WHERE name = '以前の'",
    )
    .await;
        assert!(s.token_actor(&old).await.unwrap().is_none());
        assert!(s.token_actor(&legacy).await.unwrap().is_none());
        let listed = s.tokens(&f.auditor).await.unwrap();
        assert!(listed.iter().all(|t| !t.active()), "{listed:?}");

        // An administrator changes others' roles, never their own.
        let refused = s
            .set_role(
                &f.admin,
                "yamamoto",
                sentei_core::workflow::UserRole::Approver,
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Denied(_)), "{refused}");
        assert!(refused.to_string().contains("自分の役割は変更できません"));
        s.set_role(
            &f.admin,
            "watanabe",
            sentei_core::workflow::UserRole::Approver,
        )
        .await
        .unwrap();
    }
);
