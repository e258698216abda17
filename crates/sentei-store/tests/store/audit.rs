//! Tampering with the audit trail in the database is detected and located.

use sea_orm::{ConnectionTrait, Database};
use sentei_core::audit::ChainBreak;

use crate::both;
use crate::harness::Fixture;
use crate::steps::{APPROVABLE, submitted};

/// Runs SQL on the test database behind the store's back, as an intruder would.
async fn tamper(f: &Fixture, sql: &str) {
    f.tampering();
    let db = Database::connect(f.url.expose()).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

async fn first_break(f: &Fixture) -> ChainBreak {
    f.store.verify_audit(Some("shunan")).await.unwrap()[0]
        .result
        .clone()
        .unwrap_err()
}

both!(an_altered_record_is_named, |f| {
    submitted(&f, APPROVABLE).await;
    assert!(f.store.verify_audit(None).await.unwrap()[0].result.is_ok());
    tamper(
        &f,
        "UPDATE audit_records SET actor = 'someone-else' WHERE seq = 10",
    )
    .await;
    assert_eq!(first_break(&f).await, ChainBreak::Altered { seq: 10 });
});

both!(a_removed_record_is_named, |f| {
    submitted(&f, APPROVABLE).await;
    tamper(&f, "DELETE FROM audit_records WHERE seq = 5").await;
    assert_eq!(
        first_break(&f).await,
        ChainBreak::Missing {
            expected: 5,
            found: 6
        }
    );
});

both!(swapped_records_are_named, |f| {
    submitted(&f, APPROVABLE).await;
    tamper(&f, "UPDATE audit_records SET seq = -1 WHERE seq = 7").await;
    tamper(&f, "UPDATE audit_records SET seq = 7 WHERE seq = 8").await;
    tamper(&f, "UPDATE audit_records SET seq = 8 WHERE seq = -1").await;
    assert_eq!(first_break(&f).await, ChainBreak::OutOfOrder { seq: 7 });
});

both!(a_rewritten_digest_is_named, |f| {
    submitted(&f, APPROVABLE).await;
    tamper(
        &f,
        "UPDATE audit_records SET digest = 'deadbeef' WHERE seq = 3",
    )
    .await;
    assert_eq!(first_break(&f).await, ChainBreak::Altered { seq: 3 });
});

both!(auditors_and_admins_read_the_trail_others_do_not, |f| {
    submitted(&f, APPROVABLE).await;
    let page = f.store.audit_page(&f.auditor, 1, 5).await.unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.items[0].action, "application.submit", "newest first");
    assert!(f.store.audit_page(&f.admin, 1, 5).await.is_ok());
    for actor in [&f.applicant, &f.approver, &f.ciso] {
        assert!(
            f.store.audit_page(actor, 1, 5).await.is_err(),
            "{}",
            actor.login()
        );
    }
});

both!(passwords_never_reach_the_trail, |f| {
    f.store
        .change_own_password(&f.applicant, "a new and long password", None, false)
        .await
        .unwrap();
    let db = Database::connect(f.url.expose()).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT actor, action, object, digest FROM audit_records".to_owned(),
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    let text: String = rows
        .iter()
        .map(|row| {
            ["actor", "action", "object", "digest"]
                .map(|column| row.try_get::<String>("", column).unwrap())
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("user.password"));
    assert!(!text.contains("a new and long password"));
    assert!(!text.contains(crate::harness::PASSWORD));
});
