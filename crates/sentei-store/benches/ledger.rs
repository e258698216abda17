//! Ledger queries at scale (`cargo bench -p sentei-store --bench ledger`).
//!
//! Loads 100,000 services, 100,000 ledger entries and 1,000,000 audit records (a valid chain)
//! into a fresh SQLite file and, when `SENTEI_TEST_DATABASE_URL` points at a PostgreSQL server,
//! into a fresh PostgreSQL database; then times, through the public store API, the ledger
//! listing with a filter and a page of 50, and the expiring-soon query. Target from issue #3 on
//! the 2-core reference machine: p99 under 10 ms each. Also times verifying the whole chain.
//!
//! Rows are loaded with multi-row INSERTs rather than through the workflow, which would take
//! hours; the queries measured are the ones the product runs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use std::time::{Duration, Instant};

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use sentei_core::audit::{AuditEntry, GENESIS, chain, digest_of};
use sentei_store::{DatabaseUrl, LedgerQuery, Store};
use time::macros::date;
use time::{Date, Duration as Days, OffsetDateTime};

const SERVICES: usize = 100_000;
const AUDIT_RECORDS: usize = 1_000_000;
const BATCH: usize = 1_000;
const SAMPLES: usize = 300;
const TODAY: Date = date!(2026 - 11 - 22);

const NAMES: [&str; 8] = [
    "電子申請サービス",
    "Web会議サービス",
    "ファイル共有サービス",
    "公開地図サービス",
    "議事録作成支援サービス",
    "ウイルス定義配信サービス",
    "施設予約サービス",
    "電子契約サービス",
];
const CLASSIFICATIONS: [&str; 4] = ["機密性1", "機密性2", "機密性3B", "機密性3C"];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![(
        "SQLite",
        DatabaseUrl::sqlite(&dir.path().join("bench.db")),
        None,
    )];
    if let Ok(admin) = std::env::var("SENTEI_TEST_DATABASE_URL") {
        let name = format!("sentei_bench_{}", std::process::id());
        runtime.block_on(admin_sql(&admin, &format!("CREATE DATABASE {name}")));
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        targets.push((
            "PostgreSQL",
            DatabaseUrl::parse(&format!("{base}/{name}")).unwrap(),
            Some((admin, name)),
        ));
    } else {
        println!("PostgreSQL: skipped (set SENTEI_TEST_DATABASE_URL to include it)");
    }
    for (label, url, cleanup) in targets {
        runtime.block_on(bench(label, &url));
        // SENTEI_BENCH_KEEP=1 keeps the PostgreSQL database for EXPLAIN ANALYZE.
        if let Some((admin, name)) =
            cleanup.filter(|_| std::env::var_os("SENTEI_BENCH_KEEP").is_none())
        {
            runtime.block_on(admin_sql(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ));
        }
    }
}

async fn admin_sql(admin: &str, sql: &str) {
    let db = Database::connect(admin).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

async fn bench(label: &str, url: &DatabaseUrl) {
    // The database itself is measured: no page is served from the server's kept pages.
    let store = Store::open(url).await.unwrap().reading_every_ledger_page();
    let org = store
        .create_organization("bench", "ベンチ市")
        .await
        .unwrap();
    let started = Instant::now();
    let db = Database::connect(url.expose()).await.unwrap();
    load(&db, org.id).await;
    db.close().await.unwrap();
    println!(
        "\n{label}: loaded {SERVICES} services, {SERVICES} ledger entries, {AUDIT_RECORDS} audit records in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let actor = store.operator("bench").await.unwrap();
    // Every classification has at least 20,000 active entries: 400 pages of 50.
    let pages = 400;
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: u64| {
        // xorshift: reproducible and dependency-free.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % bound.max(1)
    };
    // Warm up caches and the connection pool as a running server would have them.
    for i in 0..30 {
        let query = LedgerQuery {
            classification: Some(CLASSIFICATIONS[i % 4].to_owned()),
            page: 1 + next(pages),
            page_size: 50,
            ..LedgerQuery::default()
        };
        store.ledger(&actor, &query).await.unwrap();
    }
    let mut first_pages = Vec::with_capacity(SAMPLES);
    let mut any_page = Vec::with_capacity(SAMPLES);
    let mut expiring = Vec::with_capacity(SAMPLES);
    let mut searched = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let classification = Some(CLASSIFICATIONS[i % CLASSIFICATIONS.len()].to_owned());
        for (page, samples) in [
            (1 + next(5), &mut first_pages),
            (1 + next(pages), &mut any_page),
        ] {
            let query = LedgerQuery {
                classification: classification.clone(),
                page,
                page_size: 50,
                ..LedgerQuery::default()
            };
            let t = Instant::now();
            let listed = store.ledger(&actor, &query).await.unwrap();
            samples.push(t.elapsed());
            assert_eq!(listed.items.len(), 50);
        }

        let query = LedgerQuery {
            expiring_within: Some([30, 90][i % 2]),
            today: Some(TODAY),
            page_size: 50,
            ..LedgerQuery::default()
        };
        let t = Instant::now();
        let page = store.ledger(&actor, &query).await.unwrap();
        expiring.push(t.elapsed());
        assert!(!page.items.is_empty());

        let query = LedgerQuery {
            search: NAMES[i % NAMES.len()].to_owned(),
            page: 1 + next(20),
            page_size: 50,
            ..LedgerQuery::default()
        };
        let t = Instant::now();
        store.ledger(&actor, &query).await.unwrap();
        searched.push(t.elapsed());
    }
    report(
        label,
        "ledger list, filter by classification, page of 50 among the first 5",
        &mut first_pages,
    );
    report(
        label,
        "ledger list, filter by classification, page of 50 anywhere in 400 pages",
        &mut any_page,
    );
    report(
        label,
        "ledger list, expiring within 30/90 days, first page of 50",
        &mut expiring,
    );
    report(
        label,
        "ledger list, name contains (LIKE %…%, no index can serve it), page of 50",
        &mut searched,
    );

    let t = Instant::now();
    let verified = store.verify_audit(Some("bench")).await.unwrap();
    let summary = verified[0].result.as_ref().unwrap();
    println!(
        "{label}: audit verify of {} records: {:.2} s",
        summary.count,
        t.elapsed().as_secs_f64()
    );
    store.close().await.unwrap();
}

fn report(label: &str, what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: {what}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

async fn load(db: &DatabaseConnection, org: i64) {
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await.unwrap();
    txn.execute(
        Query::insert()
            .into_table(Alias::new("users"))
            .columns(
                [
                    "org_id",
                    "login",
                    "display_name",
                    "department",
                    "role",
                    "password_hash",
                    "active",
                    "created_at",
                    "password_changed_at",
                ]
                .map(Alias::new),
            )
            .values([
                org.into(),
                "bench-user".into(),
                "ベンチ 太郎".into(),
                "情報政策課".into(),
                "applicant".into(),
                "x".into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .unwrap(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let user: i64 = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(id) AS id FROM users".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();

    for start in (0..SERVICES).step_by(BATCH * 10) {
        let txn = db.begin().await.unwrap();
        for chunk in (start..(start + BATCH * 10).min(SERVICES))
            .collect::<Vec<_>>()
            .chunks(BATCH)
        {
            let mut services = Query::insert();
            services.into_table(Alias::new("services")).columns(
                [
                    "org_id",
                    "name",
                    "provider",
                    "description",
                    "created_by",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            );
            let mut ledger = Query::insert();
            ledger.into_table(Alias::new("ledger_entries")).columns(
                [
                    "org_id",
                    "application_id",
                    "version",
                    "status",
                    "service_name",
                    "provider",
                    "purpose",
                    "classification",
                    "period_start",
                    "period_end",
                    "applicant_department",
                    "applicant_name",
                    "user_scope",
                    "profile_id",
                    "profile_version",
                    "verdict",
                    "updated_at",
                ]
                .map(Alias::new),
            );
            for &i in chunk {
                let name = format!("{} {i}", NAMES[i % NAMES.len()]);
                let provider = format!("例示{}株式会社", i % 997);
                services
                    .values([
                        org.into(),
                        name.clone().into(),
                        provider.clone().into(),
                        "".into(),
                        user.into(),
                        now.into(),
                        now.into(),
                    ])
                    .unwrap();
                // Periods end over three years around today; one in ten is abolished.
                let end = TODAY + Days::days((i * 7919 % 1095) as i64 - 180);
                let status = if i % 10 == 0 { "abolished" } else { "active" };
                ledger
                    .values([
                        org.into(),
                        Option::<i64>::None.into(),
                        1i64.into(),
                        status.into(),
                        name.into(),
                        provider.into(),
                        "業務での利用".into(),
                        CLASSIFICATIONS[i % 4].into(),
                        (end - Days::days(365)).into(),
                        end.into(),
                        "情報政策課".into(),
                        "ベンチ 太郎".into(),
                        "課内".into(),
                        "city-checklist".into(),
                        "1".into(),
                        "approvable".into(),
                        now.into(),
                    ])
                    .unwrap();
            }
            txn.execute(&services).await.unwrap();
            txn.execute(&ledger).await.unwrap();
        }
        txn.commit().await.unwrap();
    }

    // The organization's chain already has its creation record; continue it.
    let mut prev: String = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            if db.get_database_backend() == sea_orm::DbBackend::Postgres {
                "SELECT hash FROM audit_records WHERE org_id = $1 ORDER BY seq DESC LIMIT 1"
            } else {
                "SELECT hash FROM audit_records WHERE org_id = ? ORDER BY seq DESC LIMIT 1"
            },
            [org.into()],
        ))
        .await
        .unwrap()
        .map_or(GENESIS.to_owned(), |row| row.try_get("", "hash").unwrap());
    let base_micros = now.unix_timestamp() * 1_000_000;
    for start in (2..=AUDIT_RECORDS as i64).step_by(BATCH * 20) {
        let txn = db.begin().await.unwrap();
        let end = (start + (BATCH * 20) as i64).min(AUDIT_RECORDS as i64 + 1);
        for chunk in (start..end).collect::<Vec<_>>().chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table(Alias::new("audit_records")).columns(
                [
                    "org_id",
                    "seq",
                    "at_micros",
                    "actor",
                    "action",
                    "object",
                    "digest",
                    "prev_hash",
                    "hash",
                ]
                .map(Alias::new),
            );
            for &seq in chunk {
                let record = chain(
                    &prev,
                    AuditEntry {
                        seq,
                        at_micros: base_micros + seq,
                        actor: "bench-user".to_owned(),
                        action: "ledger.extended".to_owned(),
                        object: format!("ledger:{}", seq % SERVICES as i64 + 1),
                        digest: digest_of(&serde_json::json!({ "seq": seq })),
                        summary: None,
                        // Bulk-loaded: verify still reads and compares every ledger entry,
                        // which then has no recorded state.
                        states: None,
                    },
                );
                prev.clone_from(&record.hash);
                insert
                    .values([
                        org.into(),
                        seq.into(),
                        record.entry.at_micros.into(),
                        record.entry.actor.into(),
                        record.entry.action.into(),
                        record.entry.object.into(),
                        record.entry.digest.into(),
                        record.prev_hash.into(),
                        record.hash.into(),
                    ])
                    .unwrap();
            }
            txn.execute(&insert).await.unwrap();
        }
        txn.commit().await.unwrap();
    }
    // The counts the store keeps as it registers entries, which the bulk load bypassed.
    db.execute_unprepared(
        "INSERT INTO ledger_counts (org_id, status, classification, entries) \
         SELECT org_id, status, classification, COUNT(*) FROM ledger_entries GROUP BY org_id, status, classification",
    )
    .await
    .unwrap();
    // Fresh statistics (and, on PostgreSQL, a current visibility map), as a database that grew
    // in use would have after autovacuum.
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    } else {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
}
