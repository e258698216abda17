//! Sessions, sign-in throttling and API tokens.

use sea_orm::{ConnectionTrait, Database};
use sentei_store::{Reservation, StoreError};

use crate::both;

both!(sessions_start_are_found_by_token_and_end, |f| {
    let (token, session) = f.store.start_session(&f.applicant).await.unwrap();
    assert_eq!(token.len(), 64);
    let found = f.store.session(&token).await.unwrap().unwrap();
    assert_eq!(found.actor.login(), "tanaka");
    assert_eq!(found.csrf_token, session.csrf_token);
    assert!(
        f.store
            .session("0".repeat(64).as_str())
            .await
            .unwrap()
            .is_none()
    );
    f.store.end_session(&found).await.unwrap();
    assert!(f.store.session(&token).await.unwrap().is_none());
    let trail = f.store.audit_page(&f.auditor, 1, 3).await.unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions[..2], ["user.sign_out", "user.sign_in"]);
});

both!(idle_sessions_and_tokens_are_not_stored_in_the_clear, |f| {
    let (token, _) = f.store.start_session(&f.applicant).await.unwrap();
    let db = Database::connect(f.url.expose()).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT token_hash FROM sessions".to_owned(),
        ))
        .await
        .unwrap();
    let stored: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "token_hash").unwrap())
        .collect();
    assert!(!stored.contains(&token), "only a hash is stored");
    // Two hours without a request end the session.
    let past = if f.kind == crate::harness::Kind::Postgres {
        "now() - interval '3 hours'"
    } else {
        "'2020-01-01 00:00:00+00:00'"
    };
    db.execute_unprepared(&format!("UPDATE sessions SET last_seen_at = {past}"))
        .await
        .unwrap();
    db.close().await.unwrap();
    assert!(f.store.session(&token).await.unwrap().is_none());
});

both!(
    repeated_attempts_slow_an_account_down_and_success_clears_it,
    |f| {
        let s = &f.store;
        let free = sentei_core::throttle::PER_ACCOUNT.free;
        for _ in 0..free {
            assert_eq!(
                s.reserve_sign_in("tanaka", "192.0.2.1").await.unwrap(),
                Reservation::Granted
            );
        }
        let waiting = s.reserve_sign_in("tanaka", "192.0.2.9").await.unwrap();
        assert!(
            matches!(waiting, Reservation::Wait { seconds } if (1..=16).contains(&seconds)),
            "{waiting:?}"
        );
        assert_eq!(
            s.reserve_sign_in("suzuki", "192.0.2.9").await.unwrap(),
            Reservation::Granted,
            "other accounts are not slowed down"
        );
        s.sign_in_succeeded("TANAKA", "192.0.2.9").await.unwrap();
        assert_eq!(
            s.reserve_sign_in("tanaka", "192.0.2.9").await.unwrap(),
            Reservation::Granted
        );
    }
);

both!(
    many_attempts_from_one_address_slow_down_every_account,
    |f| {
        for n in 0..sentei_core::throttle::PER_ADDRESS.free {
            assert_eq!(
                f.store
                    .reserve_sign_in(&format!("guess{n}"), "198.51.100.7")
                    .await
                    .unwrap(),
                Reservation::Granted
            );
        }
        assert!(matches!(
            f.store
                .reserve_sign_in("tanaka", "198.51.100.7")
                .await
                .unwrap(),
            Reservation::Wait { .. }
        ));
        assert_eq!(
            f.store
                .reserve_sign_in("tanaka", "198.51.100.8")
                .await
                .unwrap(),
            Reservation::Granted
        );
    }
);

both!(
    api_tokens_are_shown_once_used_and_revoked_by_their_owner,
    |f| {
        let (token, view) = f
            .store
            .create_token(
                &f.approver,
                &sentei_store::NewToken::new(
                    "台帳の集計スクリプト",
                    sentei_core::access::Scope::ReadWrite,
                ),
            )
            .await
            .unwrap();
        assert!(token.starts_with("sentei_"));
        let actor = f.store.token_actor(&token).await.unwrap().unwrap();
        assert_eq!(actor.login(), "suzuki");
        assert!(f.store.token_actor("sentei_nope").await.unwrap().is_none());
        let mine = f.store.tokens(&f.approver).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert!(mine[0].last_used_at.is_some());
        assert!(matches!(
            f.store.revoke_token(&f.applicant, view.id).await,
            Err(StoreError::NotFound(_))
        ));
        f.store.revoke_token(&f.approver, view.id).await.unwrap();
        assert!(f.store.token_actor(&token).await.unwrap().is_none());
        assert!(f.store.tokens(&f.approver).await.unwrap()[0].revoked);
    }
);

// Sessions and tokens are remembered for a few seconds (AUTH_CACHE_TTL); a change made through
// the store must still count on the very next request.
both!(changes_to_who_may_sign_in_take_effect_at_once, |f| {
    let (token, _) = f.store.start_session(&f.applicant).await.unwrap();
    let (api, details) = f
        .store
        .create_token(
            &f.applicant,
            &sentei_store::NewToken::new("script", sentei_core::access::Scope::ReadWrite),
        )
        .await
        .unwrap();
    // Both are looked up once, and so remembered.
    let session = f.store.session(&token).await.unwrap().unwrap();
    assert_eq!(
        f.store
            .token_actor(&api)
            .await
            .unwrap()
            .unwrap()
            .role()
            .as_str(),
        "applicant"
    );
    // A role change shows at once, in the session and behind the token.
    f.store
        .set_role(&f.admin, "tanaka", sentei_core::workflow::UserRole::Auditor)
        .await
        .unwrap();
    let changed = f.store.session(&token).await.unwrap().unwrap();
    assert_eq!(changed.actor.role().as_str(), "auditor");
    assert_eq!(
        f.store
            .token_actor(&api)
            .await
            .unwrap()
            .unwrap()
            .role()
            .as_str(),
        "auditor"
    );
    // Revoking the token and signing out end them at once.
    f.store
        .revoke_token(&changed.actor, details.id)
        .await
        .unwrap();
    assert!(f.store.token_actor(&api).await.unwrap().is_none());
    f.store.end_session(&session).await.unwrap();
    assert!(f.store.session(&token).await.unwrap().is_none());
    // So does a password change for every other session of the user.
    let (other, _) = f.store.start_session(&f.approver).await.unwrap();
    assert!(f.store.session(&other).await.unwrap().is_some());
    f.store.end_other_sessions(&f.approver, None).await.unwrap();
    assert!(f.store.session(&other).await.unwrap().is_none());
});
