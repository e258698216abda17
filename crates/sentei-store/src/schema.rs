//! The database schema and its migrations, embedded in the binary.
//!
//! Each migration is a frozen list of portable statements (sea-query renders them for SQLite
//! or PostgreSQL) applied in one transaction and recorded in `sentei_schema`. A database whose
//! schema is newer than this binary knows is refused rather than touched.
//!
//! Never edit a released migration: add the next one.

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, ForeignKey, Func, Index, IndexCreateStatement,
    InsertStatement, Query, Table, TableAlterStatement, TableCreateStatement, TableDropStatement,
    UpdateStatement,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    tables: fn() -> Vec<TableCreateStatement>,
    indexes: fn() -> Vec<IndexCreateStatement>,
    /// After the tables, before the indexes: columns added to existing tables and existing
    /// rows converted, in order.
    changes: fn() -> Result<Vec<Change>, StoreError>,
}

/// A statement that changes what is there already.
enum Change {
    Alter(TableAlterStatement),
    Insert(InsertStatement),
    Update(UpdateStatement),
    Drop(TableDropStatement),
}

impl Change {
    async fn apply(&self, txn: &DatabaseTransaction) -> Result<(), StoreError> {
        match self {
            Change::Alter(s) => txn.execute(s).await?,
            Change::Insert(s) => txn.execute(s).await?,
            Change::Update(s) => txn.execute(s).await?,
            Change::Drop(s) => txn.execute(s).await?,
        };
        Ok(())
    }
}

/// The changes of a migration that only creates tables and indexes.
fn no_changes() -> Result<Vec<Change>, StoreError> {
    Ok(Vec::new())
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry, workflow, ledger and audit trail",
        tables: v1_tables,
        indexes: v1_indexes,
        changes: no_changes,
    },
    Migration {
        version: 2,
        name: "sessions, sign-in throttling and API tokens",
        tables: v2_tables,
        indexes: v2_indexes,
        changes: no_changes,
    },
    Migration {
        version: 3,
        name: "vendor answer links",
        tables: v3_tables,
        indexes: v3_indexes,
        changes: no_changes,
    },
    Migration {
        version: 4,
        name: "assessment versions, applications pinned at submission, change applications",
        tables: v4_tables,
        indexes: v4_indexes,
        changes: v4_changes,
    },
    Migration {
        version: 5,
        name: "security hardening (issue 12)",
        tables: v5_tables,
        indexes: v5_indexes,
        changes: v5_changes,
    },
    Migration {
        version: 6,
        name: "people over time (e-mail addresses), audit summaries",
        tables: v6_tables,
        indexes: v6_indexes,
        changes: v6_changes,
    },
    Migration {
        version: 7,
        name: "notifications and their mail outbox, evidence files kept with who added and removed them",
        tables: v7_tables,
        indexes: v7_indexes,
        changes: v7_changes,
    },
    Migration {
        version: ROW_STATES_VERSION,
        name: "the audit chain carries the state of users, ledger entries, applications and assessments",
        tables: no_tables,
        indexes: no_indexes,
        changes: v8_changes,
    },
    // Version 9 is kept for the list indexes of issue 16 (branch `perf`, not merged yet).
    Migration {
        version: 10,
        name: "a generated first password to be changed at the first sign-in",
        tables: v10_tables,
        indexes: v10_indexes,
        changes: v10_changes,
    },
];

/// The version from which audit records carry rows' states; a run of migrations that crosses
/// it also records the state of every row there is (`audit::record_row_states`), in the
/// transaction of its last migration.
const ROW_STATES_VERSION: i64 = 8;

/// The newest schema version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The schema version of a database (0 when empty).
pub async fn current(db: &DatabaseConnection) -> Result<i64, StoreError> {
    db.execute(
        &Table::create()
            .table(Alias::new("sentei_schema"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("version"))
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("name")).text().not_null())
            .col(
                ColumnDef::new(Alias::new("applied_at"))
                    .timestamp_with_time_zone()
                    .not_null(),
            )
            .to_owned(),
    )
    .await?;
    let row = db
        .query_one(
            &Query::select()
                .expr_as(Func::max(Expr::col(Alias::new("version"))), Alias::new("v"))
                .from(Alias::new("sentei_schema"))
                .to_owned(),
        )
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<i64>>("", "v").ok().flatten())
        .unwrap_or(0))
}

/// Refuses a schema newer than this binary.
pub fn check_not_newer(found: i64) -> Result<(), StoreError> {
    if found > latest() {
        return Err(StoreError::Schema(format!(
            "データベースのスキーマ（版 {found}）がこのプログラム（版 {}）より新しいため、使えません。新しい版の sentei を使ってください",
            latest()
        )));
    }
    Ok(())
}

/// Applies every pending migration; returns the versions applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<Vec<(i64, &'static str)>, StoreError> {
    migrate_to(db, latest()).await
}

/// Applies the pending migrations up to `target`; returns the versions applied.
pub async fn migrate_to(
    db: &DatabaseConnection,
    target: i64,
) -> Result<Vec<(i64, &'static str)>, StoreError> {
    let found = current(db).await?;
    check_not_newer(found)?;
    let pending: Vec<&Migration> = MIGRATIONS
        .iter()
        .filter(|m| m.version > found && m.version <= target)
        .collect();
    // The rows' states are read through the entities, which know every column of the newest
    // schema: they are recorded with the last migration of a run that crosses version 8, once
    // every column exists (a later migration adds one to users).
    let states_with = pending
        .last()
        .filter(|last| found < ROW_STATES_VERSION && last.version >= ROW_STATES_VERSION)
        .map(|last| last.version);
    let mut applied = Vec::new();
    for migration in pending {
        let txn = db.begin().await?;
        for table in (migration.tables)() {
            txn.execute(&table).await?;
        }
        for change in (migration.changes)()? {
            change.apply(&txn).await?;
        }
        for index in (migration.indexes)() {
            txn.execute(&index).await?;
        }
        if Some(migration.version) == states_with {
            crate::audit::record_row_states(&txn).await?;
        }
        txn.execute(
            &Query::insert()
                .into_table(Alias::new("sentei_schema"))
                .columns([
                    Alias::new("version"),
                    Alias::new("name"),
                    Alias::new("applied_at"),
                ])
                .values_panic([
                    migration.version.into(),
                    migration.name.into(),
                    time::OffsetDateTime::now_utc().into(),
                ])
                .to_owned(),
        )
        .await?;
        txn.commit().await?;
        applied.push((migration.version, migration.name));
    }
    Ok(applied)
}

/// A table under construction: an auto-increment `id`, then the columns, all NOT NULL unless
/// said otherwise.
struct TableDef(TableCreateStatement, &'static str);

impl TableDef {
    fn new(name: &'static str) -> TableDef {
        let mut table = Table::create();
        table.table(Alias::new(name)).col(
            ColumnDef::new(Alias::new("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        );
        TableDef(table, name)
    }

    fn col(mut self, column: &mut ColumnDef) -> TableDef {
        self.0.col(column);
        self
    }

    fn text(self, name: &str) -> TableDef {
        self.col(ColumnDef::new(Alias::new(name)).text().not_null())
    }

    fn int(self, name: &str) -> TableDef {
        self.col(ColumnDef::new(Alias::new(name)).big_integer().not_null())
    }

    fn time(self, name: &str) -> TableDef {
        self.col(
            ColumnDef::new(Alias::new(name))
                .timestamp_with_time_zone()
                .not_null(),
        )
    }

    fn date(self, name: &str) -> TableDef {
        self.col(ColumnDef::new(Alias::new(name)).date().not_null())
    }

    /// A NOT NULL reference to another table's id.
    fn refers(self, name: &'static str, table: &'static str) -> TableDef {
        self.int(name).foreign(name, table)
    }

    fn foreign(mut self, column: &'static str, table: &'static str) -> TableDef {
        self.0.foreign_key(
            ForeignKey::create()
                .name(format!("fk_{}_{column}", self.1))
                .from(Alias::new(self.1), Alias::new(column))
                .to(Alias::new(table), Alias::new("id")),
        );
        self
    }

    fn done(self) -> TableCreateStatement {
        self.0
    }
}

fn ledger_fields(t: TableDef) -> TableDef {
    t.text("service_name")
        .text("provider")
        .text("purpose")
        .text("classification")
        .date("period_start")
        .date("period_end")
        .text("applicant_department")
        .text("applicant_name")
        .text("user_scope")
        .text("profile_id")
        .text("profile_version")
        .text("verdict")
}

fn v1_tables() -> Vec<TableCreateStatement> {
    vec![
        TableDef::new("organizations")
            .col(
                ColumnDef::new(Alias::new("code"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .text("name")
            .time("created_at")
            .done(),
        TableDef::new("users")
            .refers("org_id", "organizations")
            .col(
                ColumnDef::new(Alias::new("login"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .text("display_name")
            .text("department")
            .text("role")
            .text("password_hash")
            .col(ColumnDef::new(Alias::new("active")).boolean().not_null())
            .time("created_at")
            .time("password_changed_at")
            .done(),
        TableDef::new("services")
            .refers("org_id", "organizations")
            .text("name")
            .text("provider")
            .text("description")
            // The latest assessment's classification and verdict and the latest application's
            // status, kept with every save so that lists can filter on them.
            .text("classification")
            .text("verdict")
            .text("status")
            .refers("created_by", "users")
            .time("created_at")
            .time("updated_at")
            .done(),
        TableDef::new("assessments")
            .refers("org_id", "organizations")
            .refers("service_id", "services")
            .text("profile_id")
            .text("profile_version")
            .text("document")
            .int("version")
            .text("verdict")
            .text("judgement")
            .refers("updated_by", "users")
            .time("created_at")
            .time("updated_at")
            .done(),
        TableDef::new("attachments")
            .refers("org_id", "organizations")
            .text("sha256")
            .int("size")
            .text("media_type")
            .col(ColumnDef::new(Alias::new("content")).blob().not_null())
            .refers("created_by", "users")
            .time("created_at")
            .done(),
        TableDef::new("assessment_attachments")
            .refers("org_id", "organizations")
            .refers("assessment_id", "assessments")
            .text("item_id")
            .refers("attachment_id", "attachments")
            .text("file_name")
            .time("created_at")
            .done(),
        TableDef::new("applications")
            .refers("org_id", "organizations")
            .refers("service_id", "services")
            .refers("assessment_id", "assessments")
            .refers("applicant_id", "users")
            .text("department")
            .text("purpose")
            .text("user_scope")
            .date("period_start")
            .date("period_end")
            .text("status")
            .int("version")
            .time("created_at")
            .time("updated_at")
            .done(),
        TableDef::new("application_events")
            .refers("org_id", "organizations")
            .refers("application_id", "applications")
            .text("action")
            .text("from_status")
            .text("to_status")
            .refers("actor_id", "users")
            .text("comment")
            .int("assessment_version")
            .text("verdict")
            .col(ColumnDef::new(Alias::new("judgement")).text().null())
            .time("at")
            .done(),
        TableDef::new("acceptances")
            .refers("org_id", "organizations")
            .refers("application_id", "applications")
            .text("role")
            .refers("user_id", "users")
            .text("reason")
            .int("assessment_version")
            .time("at")
            .done(),
        ledger_fields(
            TableDef::new("ledger_entries")
                .refers("org_id", "organizations")
                .col(
                    ColumnDef::new(Alias::new("application_id"))
                        .big_integer()
                        .null(),
                )
                .foreign("application_id", "applications")
                .int("version")
                .text("status"),
        )
        .time("updated_at")
        .done(),
        ledger_fields(
            TableDef::new("ledger_versions")
                .refers("org_id", "organizations")
                .refers("entry_id", "ledger_entries")
                .int("version")
                .text("kind")
                .text("status"),
        )
        .text("comment")
        .col(
            ColumnDef::new(Alias::new("recorded_by"))
                .big_integer()
                .null(),
        )
        .foreign("recorded_by", "users")
        .time("recorded_at")
        .done(),
        TableDef::new("ledger_counts")
            .refers("org_id", "organizations")
            .text("status")
            .text("classification")
            .int("entries")
            .done(),
        TableDef::new("audit_records")
            .refers("org_id", "organizations")
            .int("seq")
            .int("at_micros")
            .text("actor")
            .text("action")
            .text("object")
            .text("digest")
            .text("prev_hash")
            .text("hash")
            .done(),
    ]
}

fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

fn v1_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("users", &["org_id"], false),
        index("services", &["org_id", "name"], false),
        index("services", &["org_id", "verdict"], false),
        index("services", &["org_id", "status"], false),
        index("assessments", &["org_id", "service_id"], false),
        index("attachments", &["org_id", "sha256"], true),
        index("assessment_attachments", &["assessment_id"], false),
        index("applications", &["org_id", "status"], false),
        index("applications", &["assessment_id"], false),
        index("application_events", &["application_id"], false),
        index(
            "acceptances",
            &["application_id", "role", "assessment_version"],
            true,
        ),
        // One index per shape of ledger query, each covering its filter and its order, so that
        // counting and skipping to a page read the index only (issue #3's p99 target).
        index("ledger_entries", &["org_id", "service_name", "id"], false),
        index(
            "ledger_entries",
            &["org_id", "status", "service_name", "id"],
            false,
        ),
        index(
            "ledger_entries",
            &["org_id", "status", "classification", "service_name", "id"],
            false,
        ),
        index(
            "ledger_entries",
            &["org_id", "status", "period_end", "id"],
            false,
        ),
        index("ledger_versions", &["entry_id", "version"], true),
        index(
            "ledger_counts",
            &["org_id", "status", "classification"],
            true,
        ),
        index("audit_records", &["org_id", "seq"], true),
    ]
}

fn v2_tables() -> Vec<TableCreateStatement> {
    vec![
        TableDef::new("sessions")
            .col(
                ColumnDef::new(Alias::new("token_hash"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .refers("org_id", "organizations")
            .refers("user_id", "users")
            .text("csrf_token")
            .time("created_at")
            .time("last_seen_at")
            .time("expires_at")
            .done(),
        TableDef::new("login_failures")
            .col(
                ColumnDef::new(Alias::new("key"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .int("failures")
            .time("window_start")
            .done(),
        TableDef::new("api_tokens")
            .col(
                ColumnDef::new(Alias::new("token_hash"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .refers("org_id", "organizations")
            .refers("user_id", "users")
            .text("name")
            .time("created_at")
            .col(
                ColumnDef::new(Alias::new("last_used_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new(Alias::new("revoked_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .done(),
    ]
}

fn v2_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("sessions", &["user_id"], false),
        index("api_tokens", &["user_id"], false),
    ]
}

fn v3_tables() -> Vec<TableCreateStatement> {
    vec![
        TableDef::new("vendor_links")
            .col(
                ColumnDef::new(Alias::new("token_hash"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .refers("org_id", "organizations")
            .refers("assessment_id", "assessments")
            .refers("created_by", "users")
            .text("contact")
            .time("created_at")
            .time("expires_at")
            .col(
                ColumnDef::new(Alias::new("last_used_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new(Alias::new("revoked_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .done(),
    ]
}

fn v3_indexes() -> Vec<IndexCreateStatement> {
    vec![index("vendor_links", &["assessment_id"], false)]
}

fn v4_tables() -> Vec<TableCreateStatement> {
    vec![
        // Every version of every assessment, appended on each save and never changed: what an
        // application pinned stays readable however the assessment changes afterwards.
        TableDef::new("assessment_versions")
            .refers("org_id", "organizations")
            .refers("assessment_id", "assessments")
            .int("version")
            .text("profile_id")
            .text("profile_version")
            .text("document")
            .text("verdict")
            .text("judgement")
            .refers("updated_by", "users")
            .time("updated_at")
            .done(),
    ]
}

fn v4_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("assessment_versions", &["assessment_id", "version"], true),
        index("applications", &["org_id", "ledger_entry_id"], false),
    ]
}

/// A nullable column added to an existing table.
fn add_column(table: &str, column: &mut ColumnDef) -> Change {
    Change::Alter(
        Table::alter()
            .table(Alias::new(table))
            .add_column(column)
            .to_owned(),
    )
}

fn v4_changes() -> Result<Vec<Change>, StoreError> {
    let col = |name: &str| ColumnDef::new(Alias::new(name));
    let mut changes = vec![
        // What an application asks for (new, change, renewal) and the ledger entry a change or
        // renewal is for.
        add_column("applications", col("kind").text().not_null().default("new")),
        add_column("applications", col("ledger_entry_id").big_integer().null()),
        // What submission pinned: the assessment version and its judgement, under which
        // profile version, and when.
        add_column("applications", col("pinned_version").big_integer().null()),
        add_column("applications", col("pinned_profile_id").text().null()),
        add_column("applications", col("pinned_profile_version").text().null()),
        add_column("applications", col("pinned_verdict").text().null()),
        add_column("applications", col("pinned_judgement").text().null()),
        add_column(
            "applications",
            col("pinned_at").timestamp_with_time_zone().null(),
        ),
        // Which approved application each version of a ledger entry came from.
        add_column(
            "ledger_versions",
            col("application_id").big_integer().null(),
        ),
    ];
    // Each assessment's current version is the first one kept; earlier ones were overwritten.
    let columns = [
        "org_id",
        "assessment_id",
        "version",
        "profile_id",
        "profile_version",
        "document",
        "verdict",
        "judgement",
        "updated_by",
        "updated_at",
    ];
    let from = [
        "org_id",
        "id",
        "version",
        "profile_id",
        "profile_version",
        "document",
        "verdict",
        "judgement",
        "updated_by",
        "updated_at",
    ];
    let mut keep = Query::insert();
    keep.into_table(Alias::new("assessment_versions"))
        .columns(columns.map(Alias::new))
        .select_from(
            Query::select()
                .columns(from.map(Alias::new))
                .from(Alias::new("assessments"))
                .to_owned(),
        )
        .map_err(|e| StoreError::Schema(format!("移行の文を作れません（{e}）")))?;
    changes.push(Change::Insert(keep));
    changes.push(Change::Update(pin_decided_applications()));
    changes.push(Change::Update(
        Query::update()
            .table(Alias::new("ledger_versions"))
            .value(
                Alias::new("application_id"),
                Query::select()
                    .column((Alias::new("le"), Alias::new("application_id")))
                    .from_as(Alias::new("ledger_entries"), Alias::new("le"))
                    .and_where(
                        Expr::col((Alias::new("le"), Alias::new("id")))
                            .equals((Alias::new("ledger_versions"), Alias::new("entry_id"))),
                    )
                    .to_owned(),
            )
            .and_where(Expr::col(Alias::new("kind")).eq("registered"))
            .to_owned(),
    ));
    Ok(changes)
}

/// Pins every application submitted, approved or rejected before versions were kept to what
/// its latest submission recorded: the assessment version, verdict and judgement then (the
/// assessment could not change while under review), with the assessment's profile.
fn pin_decided_applications() -> UpdateStatement {
    let from_submission = |column: &str| {
        Query::select()
            .column((Alias::new("e"), Alias::new(column)))
            .from_as(Alias::new("application_events"), Alias::new("e"))
            .and_where(
                Expr::col((Alias::new("e"), Alias::new("application_id")))
                    .equals((Alias::new("applications"), Alias::new("id"))),
            )
            .and_where(Expr::col((Alias::new("e"), Alias::new("action"))).eq("submit"))
            .order_by((Alias::new("e"), Alias::new("id")), sea_orm::Order::Desc)
            .limit(1)
            .to_owned()
    };
    let from_assessment = |column: &str| {
        Query::select()
            .column((Alias::new("a"), Alias::new(column)))
            .from_as(Alias::new("assessments"), Alias::new("a"))
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("id")))
                    .equals((Alias::new("applications"), Alias::new("assessment_id"))),
            )
            .to_owned()
    };
    Query::update()
        .table(Alias::new("applications"))
        .value(
            Alias::new("pinned_version"),
            from_submission("assessment_version"),
        )
        .value(Alias::new("pinned_verdict"), from_submission("verdict"))
        .value(Alias::new("pinned_judgement"), from_submission("judgement"))
        .value(Alias::new("pinned_at"), from_submission("at"))
        .value(
            Alias::new("pinned_profile_id"),
            from_assessment("profile_id"),
        )
        .value(
            Alias::new("pinned_profile_version"),
            from_assessment("profile_version"),
        )
        .and_where(Expr::col(Alias::new("status")).is_in(["submitted", "approved", "rejected"]))
        .to_owned()
}

fn v5_tables() -> Vec<TableCreateStatement> {
    vec![
        // Sign-in attempts per account and per address, reserved before each verification
        // (issue 12, findings 3 and 7); replaces `login_failures`, which counted afterwards.
        TableDef::new("sign_in_throttle")
            .col(
                ColumnDef::new(Alias::new("key"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .int("attempts")
            .time("last_at")
            .time("next_at")
            .done(),
        // A ledger file's rows kept between its preview and its registration, so that what
        // is registered is what was read from the file, never what a form sends back
        // (issue 12, finding 10).
        TableDef::new("ledger_import_previews")
            .col(
                ColumnDef::new(Alias::new("token"))
                    .text()
                    .not_null()
                    .unique_key(),
            )
            .refers("org_id", "organizations")
            .refers("user_id", "users")
            .text("file_name")
            .text("digest")
            .text("rows")
            .time("created_at")
            .done(),
    ]
}

/// A text column added to an existing table: NOT NULL, empty in the rows already there.
fn add_text(table: &str, column: &str) -> Change {
    Change::Alter(
        Table::alter()
            .table(Alias::new(table))
            .add_column(
                ColumnDef::new(Alias::new(column))
                    .text()
                    .not_null()
                    .default(""),
            )
            .to_owned(),
    )
}

fn v5_changes() -> Result<Vec<Change>, StoreError> {
    Ok(vec![
        // The department an assessment belongs to (issue 12, finding 1): only its own
        // department writes it. Existing assessments belong to the department of the first
        // application made with them, else to that of the person who saved them last.
        add_text("assessments", "department"),
        Change::Update(
            Query::update()
                .table(Alias::new("assessments"))
                .value(
                    Alias::new("department"),
                    Expr::cust(
                        "COALESCE(\
                           (SELECT a.department FROM applications a \
                            WHERE a.assessment_id = assessments.id ORDER BY a.id LIMIT 1), \
                           (SELECT u.department FROM users u WHERE u.id = assessments.updated_by), \
                           '')",
                    ),
                )
                .to_owned(),
        ),
        // API tokens expire and have a scope (issue 12, finding 13). Tokens made before have
        // no expiry written: they end 90 days after they were made, and keep reading and
        // writing as they did.
        Change::Alter(
            Table::alter()
                .table(Alias::new("api_tokens"))
                .add_column(
                    ColumnDef::new(Alias::new("expires_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        ),
        Change::Alter(
            Table::alter()
                .table(Alias::new("api_tokens"))
                .add_column(
                    ColumnDef::new(Alias::new("scope"))
                        .text()
                        .not_null()
                        .default("read_write"),
                )
                .to_owned(),
        ),
        // Failures counted after the fact; nothing in them is needed by the new throttle.
        Change::Drop(Table::drop().table(Alias::new("login_failures")).to_owned()),
    ])
}

fn v5_indexes() -> Vec<IndexCreateStatement> {
    // Old runs are deleted by their last attempt.
    vec![
        index("sign_in_throttle", &["last_at"], false),
        index("ledger_import_previews", &["created_at"], false),
    ]
}

fn v6_tables() -> Vec<TableCreateStatement> {
    Vec::new()
}

/// Users' e-mail addresses (empty for everyone until edited or imported), and a summary in
/// Japanese with each audit record from now on (none on the records before: their hashes were
/// made without one).
fn v6_changes() -> Result<Vec<Change>, StoreError> {
    let col = |name: &str| ColumnDef::new(Alias::new(name));
    Ok(vec![
        add_column("users", col("email").text().not_null().default("")),
        add_column("audit_records", col("summary").text().null()),
    ])
}

/// The audit page filters by who acted, by what was done and by date.
fn v6_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("audit_records", &["org_id", "actor", "seq"], false),
        index("audit_records", &["org_id", "action", "seq"], false),
        index("audit_records", &["org_id", "at_micros"], false),
    ]
}

fn v7_tables() -> Vec<TableCreateStatement> {
    vec![
        // Notifications (お知らせ), written in the transaction of the event they tell of, and
        // the outbox of their mails: `mail_state` goes pending → sending (committed before the
        // message is handed to the relay) → sent, so a killed sender never mails one twice
        // (see docs/adr/0009-notifications.md).
        TableDef::new("notifications")
            .refers("org_id", "organizations")
            .refers("user_id", "users")
            .text("kind")
            .text("title")
            .text("body")
            .text("link")
            .col(
                ColumnDef::new(Alias::new("application_id"))
                    .big_integer()
                    .null(),
            )
            .col(
                ColumnDef::new(Alias::new("ledger_entry_id"))
                    .big_integer()
                    .null(),
            )
            // What makes a notification told once only (the stage of a ledger entry's period);
            // NULL for those of events, which happen once anyway.
            .col(ColumnDef::new(Alias::new("once_key")).text().null())
            .time("created_at")
            .col(
                ColumnDef::new(Alias::new("read_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .text("mail_state")
            .int("mail_attempts")
            .col(
                ColumnDef::new(Alias::new("mail_at"))
                    .timestamp_with_time_zone()
                    .null(),
            )
            .text("mail_error")
            .done(),
    ]
}

fn v7_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("notifications", &["user_id", "read_at"], false),
        index("notifications", &["user_id", "id"], false),
        index("notifications", &["mail_state", "id"], false),
        index("notifications", &["user_id", "once_key"], true),
    ]
}

fn v7_changes() -> Result<Vec<Change>, StoreError> {
    let col = |name: &str| ColumnDef::new(Alias::new(name));
    Ok(vec![
        // How a user is told by mail (their address came with version 6): no address means
        // the in-app list only.
        add_column("users", col("mail_mode").text().not_null().default("each")),
        // Who attached an evidence file (a user or a vendor's link), for display; a removed
        // file stays recorded with when it was removed, so a record of what an application
        // was decided on can still list it.
        add_column(
            "assessment_attachments",
            col("added_by").text().not_null().default(""),
        ),
        add_column(
            "assessment_attachments",
            col("removed_at").timestamp_with_time_zone().null(),
        ),
    ])
}

fn no_tables() -> Vec<TableCreateStatement> {
    Vec::new()
}

fn no_indexes() -> Vec<IndexCreateStatement> {
    Vec::new()
}

/// Audit records carry the state of the rows they are about (issue 12, finding 15); none on
/// the records before, whose hashes were made without.
fn v8_changes() -> Result<Vec<Change>, StoreError> {
    Ok(vec![add_column(
        "audit_records",
        ColumnDef::new(Alias::new("states")).text().null(),
    )])
}

fn v10_tables() -> Vec<TableCreateStatement> {
    Vec::new()
}

fn v10_indexes() -> Vec<IndexCreateStatement> {
    Vec::new()
}

/// Whether a user must change their password before anything else (the first administrator,
/// whose password was generated and shown once; issue 12, finding 16). No one else must.
fn v10_changes() -> Result<Vec<Change>, StoreError> {
    Ok(vec![add_column(
        "users",
        ColumnDef::new(Alias::new("must_change_password"))
            .boolean()
            .not_null()
            .default(false),
    )])
}
