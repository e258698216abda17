//! The ledger: versions for extension, change and abolition, history, expiring entries.

use sentei_core::ledger::ChangeKind;
use sentei_core::workflow::Action;
use sentei_store::{LedgerOrder, LedgerQuery, StoreError};
use time::macros::date;

use crate::both;
use crate::harness::{CATALOG, Fixture};
use crate::steps::submitted;

async fn approved_entry(f: &Fixture) -> i64 {
    crate::steps::approved(f).await.1
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

both!(
    the_ledger_sorts_by_a_column_and_filters_by_department,
    |f| {
        let ids = [
            approved_entry(&f).await,
            approved_entry(&f).await,
            approved_entry(&f).await,
        ];
        // Give each its own department and end of period.
        for (n, (id, department, end)) in [
            (ids[0], "税務課", date!(2027 - 06 - 30)),
            (ids[1], "市民課", date!(2027 - 01 - 31)),
            (ids[2], "税務課", date!(2028 - 03 - 31)),
        ]
        .into_iter()
        .enumerate()
        {
            let mut fields = f.store.ledger_entry(&f.approver, id).await.unwrap().fields;
            fields.applicant_department = department.to_owned();
            fields.period_end = end;
            fields.service_name = format!("サービス{}", 3 - n);
            f.store
                .change_ledger(&f.approver, id, 1, fields, "訂正")
                .await
                .unwrap();
        }
        let listed = |query: LedgerQuery| {
            let store = f.store.clone();
            let auditor = f.auditor.clone();
            async move {
                store
                    .ledger(&auditor, &query)
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|e| e.id)
                    .collect::<Vec<_>>()
            }
        };
        let by = |order, descending| LedgerQuery {
            order: Some(order),
            descending,
            page_size: 50,
            ..Default::default()
        };
        assert_eq!(
            listed(by(LedgerOrder::PeriodEnd, false)).await,
            [ids[1], ids[0], ids[2]]
        );
        assert_eq!(
            listed(by(LedgerOrder::PeriodEnd, true)).await,
            [ids[2], ids[0], ids[1]]
        );
        assert_eq!(
            listed(by(LedgerOrder::Service, false)).await,
            [ids[2], ids[1], ids[0]]
        );
        assert_eq!(
            listed(by(LedgerOrder::Number, true)).await,
            [ids[2], ids[1], ids[0]]
        );
        let tax = LedgerQuery {
            department: Some("税務課".to_owned()),
            order: Some(LedgerOrder::Number),
            page_size: 50,
            ..Default::default()
        };
        assert_eq!(listed(tax.clone()).await, [ids[0], ids[2]]);
        let page = f.store.ledger(&f.auditor, &tax).await.unwrap();
        assert_eq!(
            page.total, 2,
            "the total counts the department's entries only"
        );
        assert_eq!(
            f.store.ledger_departments(&f.auditor).await.unwrap(),
            ["市民課", "税務課"]
        );
    }
);

both!(entries_expiring_soon_are_listed_expired_first, |f| {
    // Four entries ending 2027-03-31; move three of them.
    let ids = [
        approved_entry(&f).await,
        approved_entry(&f).await,
        approved_entry(&f).await,
        approved_entry(&f).await,
    ];
    let mut ended = f
        .store
        .ledger_entry(&f.approver, ids[3])
        .await
        .unwrap()
        .fields;
    ended.period_end = date!(2027 - 02 - 20);
    f.store
        .change_ledger(&f.approver, ids[3], 1, ended, "契約終了日の訂正")
        .await
        .unwrap();
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
    let today = date!(2027 - 03 - 01);
    let in_30 = f.store.ledger(&f.auditor, &query(30)).await.unwrap();
    assert_eq!(
        in_30.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[3], ids[0]],
        "the expired first"
    );
    assert!(in_30.items[0].is_expired(today));
    assert!(!in_30.items[1].is_expired(today));
    let in_90 = f.store.ledger(&f.auditor, &query(90)).await.unwrap();
    assert_eq!(
        in_90.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[3], ids[0], ids[1]],
        "abolished ones are not expiring"
    );
    assert_eq!(
        f.store
            .ledger_expired_count(&f.auditor, today)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        f.store
            .ledger_expired_count(&f.auditor, date!(2027 - 02 - 20))
            .await
            .unwrap(),
        0,
        "in use on its last day"
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
    assert_eq!(all.total, 4);
    let active = f
        .store
        .ledger(&f.auditor, &LedgerQuery::default())
        .await
        .unwrap();
    assert_eq!(active.total, 3);
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
    assert_eq!(searched.total, 3);
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

pub fn imported(n: usize, abolished: bool) -> sentei_core::ledger::ImportedEntry {
    sentei_core::ledger::ImportedEntry {
        place: format!("台帳 {}行目", n + 1),
        fields: sentei_core::ledger::LedgerFields {
            service_name: format!("取込サービス{n}"),
            provider: "例示株式会社".to_owned(),
            purpose: "庁内連絡".to_owned(),
            classification: "機密性2".to_owned(),
            period_start: date!(2025 - 04 - 01),
            period_end: date!(2026 - 03 - 31),
            applicant_department: "総務課".to_owned(),
            applicant_name: "周南 花子".to_owned(),
            user_scope: "全庁".to_owned(),
        },
        abolished,
    }
}

both!(
    an_existing_ledger_is_imported_all_or_nothing_and_never_twice,
    |f| {
        let s = &f.store;
        let rows = vec![imported(1, false), imported(2, true), imported(3, false)];
        let everyone = LedgerQuery {
            include_abolished: true,
            page_size: 500,
            ..Default::default()
        };
        // Only the ledger keeper may import; the dry run changes nothing.
        assert!(matches!(
            s.import_ledger(
                &f.applicant,
                &sentei_store::ImportSource::of("台帳.xlsx", b"file"),
                &rows
            )
            .await,
            Err(StoreError::Denied(_))
        ));
        let plan = s.plan_ledger_import(&f.approver, &rows).await.unwrap();
        assert_eq!((plan.create, plan.existing.len()), (vec![0, 1, 2], 0));
        assert_eq!(s.ledger(&f.auditor, &everyone).await.unwrap().total, 0);

        // One invalid row refuses the whole set, naming the row.
        let mut broken = rows.clone();
        broken[2].fields.user_scope = " ".to_owned();
        let Err(StoreError::Rejected(message)) = s
            .import_ledger(
                &f.approver,
                &sentei_store::ImportSource::of("台帳.xlsx", b"file"),
                &broken,
            )
            .await
        else {
            panic!("an invalid row must refuse the import")
        };
        assert!(
            message.contains("台帳 4行目: (キ) 利用者の範囲が空です"),
            "{message}"
        );
        assert_eq!(s.ledger(&f.auditor, &everyone).await.unwrap().total, 0);

        let done = s
            .import_ledger(
                &f.approver,
                &sentei_store::ImportSource::of("台帳.xlsx", b"file"),
                &rows,
            )
            .await
            .unwrap();
        assert_eq!(done.created_ids.len(), 3);
        let ledger = s.ledger(&f.auditor, &everyone).await.unwrap();
        assert_eq!(ledger.total, 3);
        let second = s
            .ledger_entry(&f.auditor, done.created_ids[1])
            .await
            .unwrap();
        assert!(second.abolished);
        assert_eq!(second.application_id, None);
        assert_eq!(second.fields, rows[1].fields);
        let active = s
            .ledger(
                &f.auditor,
                &LedgerQuery {
                    page_size: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(active.total, 2, "counts follow the imported status");
        let history = s
            .ledger_history(&f.auditor, done.created_ids[0])
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].kind, ChangeKind::Imported);
        assert!(
            history[0]
                .comment
                .starts_with("台帳.xlsx の 台帳 2行目 から取り込み（SHA-256 "),
            "{}",
            history[0].comment
        );
        let audit = s.audit_page(&f.auditor, 1, 10).await.unwrap();
        assert_eq!(
            audit
                .items
                .iter()
                .filter(|a| a.action == "ledger.imported")
                .count(),
            3
        );

        // The same file again creates nothing; each row is matched to its entry.
        let again = s
            .import_ledger(
                &f.approver,
                &sentei_store::ImportSource::of("台帳.xlsx", b"file"),
                &rows,
            )
            .await
            .unwrap();
        assert!(again.create.is_empty() && again.created_ids.is_empty());
        let matched: Vec<i64> = again.existing.iter().map(|(_, id)| *id).collect();
        assert_eq!(matched, done.created_ids);
        assert_eq!(s.ledger(&f.auditor, &everyone).await.unwrap().total, 3);

        // Imported entries are kept like any other: they can be extended.
        let extended = s
            .extend_ledger(
                &f.approver,
                done.created_ids[0],
                1,
                date!(2027 - 03 - 31),
                "",
            )
            .await
            .unwrap();
        assert_eq!(extended.version, 2);
    }
);

both!(an_export_reads_what_the_pages_list_in_the_same_order, |f| {
    let s = &f.store;
    let rows: Vec<_> = (1..=7).map(|n| imported(n, n % 3 == 0)).collect();
    s.import_ledger(
        &f.approver,
        &sentei_store::ImportSource::of("台帳.csv", b"file"),
        &rows,
    )
    .await
    .unwrap();
    for include_abolished in [false, true] {
        let mut paged = Vec::new();
        for page in 1..=3 {
            let query = LedgerQuery {
                include_abolished,
                page,
                page_size: 3,
                ..Default::default()
            };
            paged.extend(s.ledger(&f.auditor, &query).await.unwrap().items);
        }
        let query = LedgerQuery {
            include_abolished,
            ..Default::default()
        };
        let exported = s.ledger_export(&f.auditor, &query).await.unwrap();
        assert_eq!(exported, paged);
        assert_eq!(exported.len(), if include_abolished { 7 } else { 5 });
    }
    let searched = LedgerQuery {
        search: "サービス3".to_owned(),
        include_abolished: true,
        ..Default::default()
    };
    let found = s.ledger_export(&f.auditor, &searched).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].fields.service_name, "取込サービス3");
});
