//! The ledger: versions for extension, change and abolition, history, expiring entries.

use sentei_core::ledger::ChangeKind;
use sentei_core::workflow::Action;
use sentei_store::{LedgerQuery, StoreError};
use time::macros::date;

use crate::both;
use crate::harness::{CATALOG, Fixture};
use crate::steps::{APPROVABLE, submitted};

async fn approved_entry(f: &Fixture) -> i64 {
    let (app, assessment) = submitted(f, APPROVABLE).await;
    f.store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(assessment.version),
        )
        .await
        .unwrap();
    let ledger = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ledger
        .items
        .iter()
        .find(|e| e.application_id == Some(app.id))
        .unwrap()
        .id
}

both!(
    extension_change_and_abolition_are_versions_and_history_is_kept,
    |f| {
        let id = approved_entry(&f).await;
        let s = &f.store;
        let extended = s
            .extend_ledger(&f.approver, id, 1, date!(2028 - 03 - 31), "契約を1年延長")
            .await
            .unwrap();
        assert_eq!(
            (extended.version, extended.fields.period_end),
            (2, date!(2028 - 03 - 31))
        );

        let mut fields = extended.fields.clone();
        fields.user_scope = "全庁".to_owned();
        let changed = s
            .change_ledger(&f.approver, id, 2, fields, "利用範囲を全庁に拡大")
            .await
            .unwrap();
        assert_eq!(changed.fields.user_scope, "全庁");

        let stale = s
            .extend_ledger(&f.approver, id, 2, date!(2029 - 03 - 31), "")
            .await
            .unwrap_err();
        assert!(
            matches!(
                stale,
                StoreError::Conflict {
                    current_version: 3,
                    ..
                }
            ),
            "{stale}"
        );

        let abolished = s
            .abolish_ledger(
                &f.approver,
                id,
                3,
                date!(2027 - 09 - 30),
                "後継サービスへ移行",
            )
            .await
            .unwrap();
        assert!(abolished.abolished);
        assert_eq!(abolished.fields.period_end, date!(2027 - 09 - 30));
        let after = s
            .extend_ledger(&f.approver, id, 4, date!(2030 - 03 - 31), "")
            .await
            .unwrap_err();
        assert_eq!(after.to_string(), "廃止された台帳の項目は変更できません");

        let history = s.ledger_history(&f.auditor, id).await.unwrap();
        let kinds: Vec<ChangeKind> = history.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Registered,
                ChangeKind::Extended,
                ChangeKind::Changed,
                ChangeKind::Abolished
            ]
        );
        assert_eq!(
            history[0].fields.period_end,
            date!(2027 - 03 - 31),
            "the first version is unchanged"
        );
        assert_eq!(history[0].fields.user_scope, "市民課内に限る");
        assert_eq!(history[3].comment, "後継サービスへ移行");
        assert!(s.verify_audit(None).await.unwrap()[0].result.is_ok());
    }
);

both!(only_the_approver_keeps_the_ledger, |f| {
    let id = approved_entry(&f).await;
    for actor in [&f.applicant, &f.ciso, &f.auditor, &f.admin] {
        let refused = f
            .store
            .extend_ledger(actor, id, 1, date!(2028 - 03 - 31), "")
            .await
            .unwrap_err();
        assert!(
            matches!(refused, StoreError::Denied(_)),
            "{}",
            actor.login()
        );
    }
});

both!(entries_expiring_soon_are_listed_soonest_first, |f| {
    // Three entries ending 2027-03-31; move two of them.
    let ids = [
        approved_entry(&f).await,
        approved_entry(&f).await,
        approved_entry(&f).await,
    ];
    f.store
        .extend_ledger(&f.approver, ids[1], 1, date!(2027 - 05 - 15), "")
        .await
        .unwrap();
    f.store
        .abolish_ledger(&f.approver, ids[2], 1, date!(2027 - 01 - 31), "")
        .await
        .unwrap();
    let query = |days| LedgerQuery {
        expiring_within: Some(days),
        today: Some(date!(2027 - 03 - 01)),
        page_size: 50,
        ..Default::default()
    };
    let in_30 = f.store.ledger(&f.auditor, &query(30)).await.unwrap();
    assert_eq!(
        in_30.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[0]]
    );
    let in_90 = f.store.ledger(&f.auditor, &query(90)).await.unwrap();
    assert_eq!(
        in_90.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[0], ids[1]],
        "abolished ones are not expiring"
    );
    let all = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                include_abolished: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    let active = f
        .store
        .ledger(&f.auditor, &LedgerQuery::default())
        .await
        .unwrap();
    assert_eq!(active.total, 2);
    let searched = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                search: "電子申請".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(searched.total, 2);
    let none = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                search: "100%".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0, "LIKE wildcards in a search are literal");
});

both!(listing_totals_always_agree_with_the_entries, |f| {
    use crate::steps::NEEDS_CISO;
    let class_2 = [
        approved_entry(&f).await,
        approved_entry(&f).await,
        approved_entry(&f).await,
    ];
    let (app, assessment) = submitted(&f, NEEDS_CISO).await;
    f.store
        .accept(&f.approver, &CATALOG, app.id, "代替がない")
        .await
        .unwrap();
    f.store
        .accept(&f.ciso, &CATALOG, app.id, "確認した")
        .await
        .unwrap();
    f.store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "",
            Some(assessment.version),
        )
        .await
        .unwrap();
    // One entry changes classification, one is extended, one abolished.
    let mut fields = f
        .store
        .ledger_entry(&f.approver, class_2[0])
        .await
        .unwrap()
        .fields;
    fields.classification = "機密性3C".to_owned();
    f.store
        .change_ledger(&f.approver, class_2[0], 1, fields, "格付の見直し")
        .await
        .unwrap();
    f.store
        .extend_ledger(&f.approver, class_2[1], 1, date!(2029 - 03 - 31), "")
        .await
        .unwrap();
    f.store
        .abolish_ledger(&f.approver, class_2[2], 1, date!(2026 - 12 - 31), "")
        .await
        .unwrap();

    let everything = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                include_abolished: true,
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(everything.len(), 4);
    for include_abolished in [false, true] {
        for classification in [
            None,
            Some("機密性2"),
            Some("機密性3B"),
            Some("機密性3C"),
            Some("機密性1"),
        ] {
            let expected = everything
                .iter()
                .filter(|e| include_abolished || !e.abolished)
                .filter(|e| classification.is_none_or(|c| e.fields.classification == c))
                .count() as u64;
            let query = LedgerQuery {
                include_abolished,
                classification: classification.map(str::to_owned),
                page_size: 500,
                ..Default::default()
            };
            let listed = f.store.ledger(&f.auditor, &query).await.unwrap();
            assert_eq!(
                listed.total, expected,
                "abolished: {include_abolished}, {classification:?}"
            );
            assert_eq!(listed.items.len() as u64, expected);
        }
    }
});

// Pages of the ledger are kept (LEDGER_CACHE_TTL) until the ledger changes: every change made
// through the store shows on the next read, and one made by another process within the TTL.
both!(a_kept_ledger_page_never_hides_a_change, |f| {
    let query = LedgerQuery {
        page_size: 500,
        ..Default::default()
    };
    let listed = |store: sentei_store::Store, actor: sentei_store::Actor, query: LedgerQuery| async move {
        store.ledger(&actor, &query).await.unwrap().items
    };
    let id = approved_entry(&f).await;
    let before = listed(f.store.clone(), f.auditor.clone(), query.clone()).await;
    let entry = before.iter().find(|e| e.id == id).unwrap().clone();
    // Extension, through this store: seen at once.
    f.store
        .extend_ledger(&f.approver, id, entry.version, date!(2031 - 03 - 31), "")
        .await
        .unwrap();
    let after = listed(f.store.clone(), f.auditor.clone(), query.clone()).await;
    let extended = after.iter().find(|e| e.id == id).unwrap();
    assert_eq!(extended.fields.period_end, date!(2031 - 03 - 31));
    // Abolition, through a second store on the same database (as another process would).
    let other = sentei_store::Store::open(&f.url).await.unwrap();
    other
        .abolish_ledger(&f.approver, id, extended.version, date!(2030 - 01 - 31), "")
        .await
        .unwrap();
    tokio::time::sleep(sentei_store::LEDGER_CACHE_TTL + std::time::Duration::from_millis(100))
        .await;
    let later = listed(f.store.clone(), f.auditor.clone(), query.clone()).await;
    assert!(
        !later.iter().any(|e| e.id == id),
        "an abolished entry must leave the active ledger"
    );
});
