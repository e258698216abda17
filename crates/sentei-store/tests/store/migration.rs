//! A database of the previous schema (version 3), with an application approved and one under
//! review, is converted by migration 4: each is pinned to what its submission recorded, the
//! current version of each assessment is kept, and both work on afterwards as if made now.

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use sentei_core::judgement::Verdict;
use sentei_core::workflow::{Action, Status, UserRole};
use sentei_core::{Catalog, judge};
use sentei_store::Store;
use time::macros::date;

use crate::harness::{CATALOG, Database, Kind, PASSWORD};

const CONDITIONAL: &str = "profile: shunan-2023
service: { name: 旧サービス, provider: 例示株式会社 }
facts: { classification: \"2\", certifications: [csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"1\": { status: unmet, reason: 代替がない }
";

const APPROVABLE: &str = "profile: shunan-2023
service: { name: 旧サービス, provider: 例示株式会社 }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers: { default: met }
";

/// The assessment document and judgement JSON a version-3 binary stored.
fn stored(catalog: &Catalog, yaml: &str) -> (String, String, &'static str) {
    let assessment = catalog.parse_assessment(yaml).unwrap();
    let profile = catalog.get(&assessment.profile_id).unwrap();
    let judgement = judge(profile, &assessment);
    (
        assessment.to_document(profile).to_string(),
        judgement.to_json(),
        judgement.verdict.as_str(),
    )
}

/// Inserts a row as the old binary would have; returns its id.
async fn insert(db: &DatabaseConnection, table: &str, row: Vec<(&str, Value)>) -> i64 {
    let (columns, values): (Vec<&str>, Vec<Value>) = row.into_iter().unzip();
    let statement = Query::insert()
        .into_table(Alias::new(table))
        .columns(columns.into_iter().map(Alias::new))
        .values_panic(values.into_iter().map(Into::into))
        .returning_col(Alias::new("id"))
        .to_owned();
    db.query_one(&statement)
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "id")
        .unwrap()
}

fn text(s: &str) -> Value {
    s.into()
}

/// A user as a binary before schema version 5 wrote one (no e-mail address).
pub async fn old_user(db: &DatabaseConnection, org: i64, login: &str, role: UserRole) -> i64 {
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    let at = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    insert(
        db,
        "users",
        vec![
            ("org_id", org.into()),
            ("login", text(login)),
            ("display_name", text(login)),
            ("department", text("情報政策課")),
            ("role", text(role.as_str())),
            ("password_hash", text(&hash)),
            ("active", true.into()),
            ("created_at", at.into()),
            ("password_changed_at", at.into()),
        ],
    )
    .await
}

async fn converts_applications_decided_before_versions_were_kept(kind: Kind) {
    let Some(database) = Database::new(kind).await else {
        eprintln!("PostgreSQL: skipped, SENTEI_TEST_DATABASE_URL is not set");
        return;
    };
    let store = Store::connect(&database.url).await.unwrap();
    store.migrate_to(3).await.unwrap();
    // Organizations are the same in both schemas; users and services are written as a
    // version-3 binary wrote them (schema 5 added users' e-mail addresses), and the store is
    // used again only after the migration.
    store.create_organization("shunan", "周南市").await.unwrap();
    let operator = store.operator("shunan").await.unwrap();
    let db = sea_orm::Database::connect(database.url.expose())
        .await
        .unwrap();
    let org = operator.org_id();
    let applicant_id = old_user(&db, org, "tanaka", UserRole::Applicant).await;
    let approver_id = old_user(&db, org, "suzuki", UserRole::Approver).await;
    let at = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let service_id = insert(
        &db,
        "services",
        vec![
            ("org_id", org.into()),
            ("name", text("旧サービス")),
            ("provider", text("例示株式会社")),
            ("description", text("")),
            ("classification", text("")),
            ("verdict", text("")),
            ("status", text("")),
            ("created_by", applicant_id.into()),
            ("created_at", at.into()),
            ("updated_at", at.into()),
        ],
    )
    .await;
    let (_, conditional_json, _) = stored(&CATALOG, CONDITIONAL);
    let (approvable_doc, approvable_json, _) = stored(&CATALOG, APPROVABLE);
    let assessment = |version: i64, doc: &str, json: &str, verdict: &str| {
        vec![
            ("org_id", org.into()),
            ("service_id", service_id.into()),
            ("profile_id", text("shunan-2023")),
            ("profile_version", text("1")),
            ("document", text(doc)),
            ("version", version.into()),
            ("verdict", text(verdict)),
            ("judgement", text(json)),
            ("updated_by", applicant_id.into()),
            ("created_at", at.into()),
            ("updated_at", at.into()),
        ]
    };
    // Approved at version 2 (conditional), then edited to version 3 (approvable): the bug of
    // issue #11. Version 2's document is gone; its judgement was kept with the submission.
    let edited = insert(
        &db,
        "assessments",
        assessment(3, &approvable_doc, &approvable_json, "approvable"),
    )
    .await;
    // Under review at version 1.
    let reviewed = insert(
        &db,
        "assessments",
        assessment(1, &approvable_doc, &approvable_json, "approvable"),
    )
    .await;
    let application = |assessment_id: i64, status: &str| {
        vec![
            ("org_id", org.into()),
            ("service_id", service_id.into()),
            ("assessment_id", assessment_id.into()),
            ("applicant_id", applicant_id.into()),
            ("department", text("情報政策課")),
            ("purpose", text("問い合わせ対応")),
            ("user_scope", text("課内")),
            ("period_start", date!(2026 - 04 - 01).into()),
            ("period_end", date!(2027 - 03 - 31).into()),
            ("status", text(status)),
            ("version", 4i64.into()),
            ("created_at", at.into()),
            ("updated_at", at.into()),
        ]
    };
    let approved = insert(&db, "applications", application(edited, "approved")).await;
    let pending = insert(&db, "applications", application(reviewed, "submitted")).await;
    let event = |app: i64,
                 action: &str,
                 from: &str,
                 to: &str,
                 version: i64,
                 verdict: &str,
                 json: Option<&str>| {
        vec![
            ("org_id", org.into()),
            ("application_id", app.into()),
            ("action", text(action)),
            ("from_status", text(from)),
            ("to_status", text(to)),
            (
                "actor_id",
                if action == "approve" {
                    approver_id
                } else {
                    applicant_id
                }
                .into(),
            ),
            ("comment", text("")),
            ("assessment_version", version.into()),
            ("verdict", text(verdict)),
            ("judgement", json.map(str::to_owned).into()),
            ("at", at.into()),
        ]
    };
    for row in [
        event(
            approved,
            "start_pre_consultation",
            "draft",
            "pre_consultation",
            2,
            "conditional",
            None,
        ),
        event(
            approved,
            "submit",
            "pre_consultation",
            "submitted",
            2,
            "conditional",
            Some(&conditional_json),
        ),
        event(
            approved,
            "approve",
            "submitted",
            "approved",
            2,
            "conditional",
            Some(&conditional_json),
        ),
        event(
            pending,
            "start_pre_consultation",
            "draft",
            "pre_consultation",
            1,
            "approvable",
            None,
        ),
        event(
            pending,
            "submit",
            "pre_consultation",
            "submitted",
            1,
            "approvable",
            Some(&approvable_json),
        ),
    ] {
        insert(&db, "application_events", row).await;
    }
    insert(
        &db,
        "acceptances",
        vec![
            ("org_id", org.into()),
            ("application_id", approved.into()),
            ("role", text("approver")),
            ("user_id", approver_id.into()),
            ("reason", text("代替策がないことを確認しました")),
            ("assessment_version", 2i64.into()),
            ("at", at.into()),
        ],
    )
    .await;
    let fields = |row: &mut Vec<(&str, Value)>| {
        row.extend([
            ("service_name", text("旧サービス")),
            ("provider", text("例示株式会社")),
            ("purpose", text("問い合わせ対応")),
            ("classification", text("機密性2")),
            ("period_start", date!(2026 - 04 - 01).into()),
            ("period_end", date!(2027 - 03 - 31).into()),
            ("applicant_department", text("情報政策課")),
            ("applicant_name", text("tanaka")),
            ("user_scope", text("課内")),
            ("profile_id", text("shunan-2023")),
            ("profile_version", text("1")),
            ("verdict", text("conditional")),
        ]);
    };
    let mut entry = vec![
        ("org_id", org.into()),
        ("application_id", Some(approved).into()),
        ("version", 1i64.into()),
        ("status", text("active")),
        ("updated_at", at.into()),
    ];
    fields(&mut entry);
    let entry_id = insert(&db, "ledger_entries", entry).await;
    let mut version = vec![
        ("org_id", org.into()),
        ("entry_id", entry_id.into()),
        ("version", 1i64.into()),
        ("kind", text("registered")),
        ("status", text("active")),
        ("comment", text("")),
        ("recorded_by", Some(approver_id).into()),
        ("recorded_at", at.into()),
    ];
    fields(&mut version);
    insert(&db, "ledger_versions", version).await;
    db.close().await.unwrap();

    // Migration 4 converts them (and the later ones add what they add).
    let applied = store.migrate().await.unwrap();
    assert_eq!(
        applied.iter().map(|a| a.0).collect::<Vec<_>>(),
        [4, 5, 6, 7, 8, 10]
    );
    let approver = store
        .authenticate("suzuki", PASSWORD)
        .await
        .unwrap()
        .unwrap();

    // The approved application shows what was approved, not the edit made after it.
    let review = store.review(&approver, &CATALOG, approved).await.unwrap();
    assert_eq!(review.application.status, Status::Approved);
    assert_eq!(review.assessment_version, 2);
    assert_eq!(review.verdict, Verdict::Conditional);
    assert!(review.changed_since_pinned);
    assert_eq!(review.current_assessment_version, 3);
    assert!(
        review.document.is_none(),
        "version 2's document was never kept"
    );
    assert_eq!(
        review.acceptances[0].reason,
        "代替策がないことを確認しました"
    );
    let changes = store
        .changes_since_pinned(&approver, &CATALOG, approved)
        .await
        .unwrap();
    let subjects: Vec<&str> = changes
        .differences
        .iter()
        .map(|d| d.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        ["判定", "項目 1"],
        "answers compared, facts not kept"
    );
    let history = store.ledger_history(&approver, entry_id).await.unwrap();
    assert_eq!(history[0].application_id, Some(approved));
    assert!(
        store
            .assessment_at(&approver, edited, 3)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .assessment_at(&approver, edited, 2)
            .await
            .unwrap()
            .is_none()
    );

    // The one under review is pinned to its version and is decided as usual.
    let pending_review = store.review(&approver, &CATALOG, pending).await.unwrap();
    assert_eq!(pending_review.assessment_version, 1);
    assert!(!pending_review.changed_since_pinned);
    assert_eq!(
        pending_review.actions,
        [Action::Return, Action::Approve, Action::Reject]
    );
    let decided = store
        .act(&approver, &CATALOG, pending, Action::Approve, "", Some(1))
        .await
        .unwrap();
    assert_eq!(decided.status, Status::Approved);
    assert_eq!(decided.kind, sentei_core::workflow::Kind::New);
    // Migration 8 recorded the state of every row made before it, so the rows verify too.
    let verified = store.verify_audit(None).await.unwrap();
    assert!(verified[0].holds(), "{verified:#?}");
    store.close().await.unwrap();
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_database_is_converted_on_sqlite() {
    converts_applications_decided_before_versions_were_kept(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_database_is_converted_on_postgres() {
    converts_applications_decided_before_versions_were_kept(Kind::Postgres).await;
}

/// Schema 4 → 5: users get an empty e-mail address and the trail, recorded without summaries,
/// verifies with the summarized records that follow.
async fn converts_users_and_keeps_the_trail(kind: Kind) {
    let Some(database) = Database::new(kind).await else {
        eprintln!("PostgreSQL: skipped, SENTEI_TEST_DATABASE_URL is not set");
        return;
    };
    let store = Store::connect(&database.url).await.unwrap();
    store.migrate_to(4).await.unwrap();
    store.create_organization("shunan", "周南市").await.unwrap();
    let operator = store.operator("shunan").await.unwrap();
    let db = sea_orm::Database::connect(database.url.expose())
        .await
        .unwrap();
    old_user(&db, operator.org_id(), "tanaka", UserRole::Applicant).await;
    old_user(&db, operator.org_id(), "yamamoto", UserRole::Admin).await;
    db.close().await.unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(
        applied.iter().map(|a| a.0).collect::<Vec<_>>(),
        [5, 6, 7, 8, 10]
    );
    let admin = store
        .authenticate("yamamoto", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    // Users from before are not asked to change their passwords (version 10).
    assert!(!admin.password_change_due());
    let users = store.users(&admin).await.unwrap();
    assert!(users.iter().all(|u| u.email.is_empty() && u.active));
    store
        .edit_user(
            &admin,
            "tanaka",
            sentei_store::UserEdit {
                display_name: "田中 一郎".to_owned(),
                department: "市民課".to_owned(),
                email: "tanaka@city.shunan.lg.jp".to_owned(),
            },
        )
        .await
        .unwrap();
    let trail = store.audit_page(&admin, 1, 10).await.unwrap().items;
    assert_eq!(trail.len(), 3);
    assert!(trail[0].summary.is_some());
    assert_eq!(trail[1].action, "audit.row_states", "made by migration 8");
    assert!(
        trail[1].summary.as_deref().unwrap().contains("利用者 2 件"),
        "{:?}",
        trail[1].summary
    );
    assert!(
        trail[2].summary.is_none(),
        "organization.create, made under schema 4"
    );
    let verified = store.verify_audit(None).await.unwrap();
    assert_eq!(verified[0].result.as_ref().unwrap().count, 3);
    // The users made under schema 4 have a state since migration 8: a role changed with SQL
    // afterwards shows.
    assert!(verified[0].holds(), "{verified:#?}");
    let db = sea_orm::Database::connect(database.url.expose())
        .await
        .unwrap();
    db.execute_unprepared("UPDATE users SET role = 'admin' WHERE login = 'tanaka'")
        .await
        .unwrap();
    db.close().await.unwrap();
    let verified = store.verify_audit(None).await.unwrap();
    assert_eq!(verified[0].rows.len(), 1, "{verified:#?}");
    store.close().await.unwrap();
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_4_database_is_converted_on_sqlite() {
    converts_users_and_keeps_the_trail(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_4_database_is_converted_on_postgres() {
    converts_users_and_keeps_the_trail(Kind::Postgres).await;
}
