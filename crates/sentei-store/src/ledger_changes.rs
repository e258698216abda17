//! Writing the ledger: an entry registered (on approval, or read in from an existing ledger),
//! extended, changed or abolished by its keeper, or changed or renewed (更新) by an approved
//! change or renewal application. Each is a new version: the current row is rewritten, the
//! version appended, the counts by status and classification moved and the audit record
//! written, all in one transaction, so they never disagree.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use sentei_core::access::Capability;
use sentei_core::audit::Summary;
use sentei_core::ledger::{self as rules, ChangeKind, HEADINGS, LedgerFields};
use serde_json::json;
use time::Date;

use crate::entity::{ledger_count, ledger_entry, ledger_version};
use crate::ledger::{ABOLISHED, ACTIVE, entry_row, fields_of_entry};
use crate::{Actor, LedgerEntryView, Store, StoreError, audit};

impl Store {
    /// Extends an entry's period (延長).
    pub async fn extend_ledger(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        new_end: Date,
        comment: &str,
    ) -> Result<LedgerEntryView, StoreError> {
        self.revise(
            actor,
            id,
            expected_version,
            ChangeKind::Extended,
            comment,
            |f, abolished| rules::extend(f, abolished, new_end),
        )
        .await
    }

    /// Changes an entry's fields (変更).
    pub async fn change_ledger(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        fields: LedgerFields,
        comment: &str,
    ) -> Result<LedgerEntryView, StoreError> {
        self.revise(
            actor,
            id,
            expected_version,
            ChangeKind::Changed,
            comment,
            |f, abolished| rules::change(f, abolished, fields),
        )
        .await
    }

    /// Abolishes an entry on a date (廃止).
    pub async fn abolish_ledger(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        on: Date,
        comment: &str,
    ) -> Result<LedgerEntryView, StoreError> {
        self.revise(
            actor,
            id,
            expected_version,
            ChangeKind::Abolished,
            comment,
            |f, abolished| rules::abolish(f, abolished, on),
        )
        .await
    }

    async fn revise(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        kind: ChangeKind,
        comment: &str,
        rule: impl FnOnce(&LedgerFields, bool) -> Result<LedgerFields, rules::LedgerRefusal>,
    ) -> Result<LedgerEntryView, StoreError> {
        actor.require(Capability::KeepLedger)?;
        if comment.chars().count() > 2_000 {
            return Err(StoreError::Rejected(
                "コメントは 2000 文字以内にしてください".to_owned(),
            ));
        }
        crate::text_block(comment, "コメント", 2_000, false)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let current = entry_row(&txn, actor, id).await?;
        if current.version != expected_version {
            return Err(StoreError::conflict(
                "この台帳の項目",
                expected_version,
                current.version,
            ));
        }
        let fields = rule(&fields_of_entry(&current), current.status == ABOLISHED)?;
        write_revision(&txn, actor, &current, &fields, kind, comment, None).await?;
        self.commit(txn, actor.org_id()).await?;
        self.ledger_pages.changed();
        self.ledger_entry(actor, id).await
    }
}

/// What an approved application puts into the ledger besides (ア)–(キ).
pub(crate) struct Approved<'a> {
    pub application_id: i64,
    pub profile_id: &'a str,
    pub profile_version: &'a str,
    pub verdict: &'a str,
}

/// Rewrites an entry as a new version: its fields, its status (abolished by an abolition,
/// active otherwise) and, for an approved change or renewal, what it was approved under.
async fn write_revision(
    txn: &DatabaseTransaction,
    actor: &Actor,
    current: &ledger_entry::Model,
    fields: &LedgerFields,
    kind: ChangeKind,
    comment: &str,
    approved: Option<&Approved<'_>>,
) -> Result<(), StoreError> {
    let status = if kind == ChangeKind::Abolished {
        ABOLISHED
    } else {
        ACTIVE
    };
    let version = current.version + 1;
    let mut update = ledger_entry::Entity::update_many()
        .col_expr(ledger_entry::Column::Version, Expr::value(version))
        .col_expr(ledger_entry::Column::Status, Expr::value(status))
        .col_expr(
            ledger_entry::Column::ServiceName,
            Expr::value(fields.service_name.clone()),
        )
        .col_expr(
            ledger_entry::Column::Provider,
            Expr::value(fields.provider.clone()),
        )
        .col_expr(
            ledger_entry::Column::Purpose,
            Expr::value(fields.purpose.clone()),
        )
        .col_expr(
            ledger_entry::Column::Classification,
            Expr::value(fields.classification.clone()),
        )
        .col_expr(
            ledger_entry::Column::PeriodStart,
            Expr::value(fields.period_start),
        )
        .col_expr(
            ledger_entry::Column::PeriodEnd,
            Expr::value(fields.period_end),
        )
        .col_expr(
            ledger_entry::Column::ApplicantDepartment,
            Expr::value(fields.applicant_department.clone()),
        )
        .col_expr(
            ledger_entry::Column::ApplicantName,
            Expr::value(fields.applicant_name.clone()),
        )
        .col_expr(
            ledger_entry::Column::UserScope,
            Expr::value(fields.user_scope.clone()),
        )
        .col_expr(ledger_entry::Column::UpdatedAt, Expr::value(crate::now()));
    let mut entry = current.clone();
    if let Some(approved) = approved {
        update = update
            .col_expr(
                ledger_entry::Column::ApplicationId,
                Expr::value(approved.application_id),
            )
            .col_expr(
                ledger_entry::Column::ProfileId,
                Expr::value(approved.profile_id),
            )
            .col_expr(
                ledger_entry::Column::ProfileVersion,
                Expr::value(approved.profile_version),
            )
            .col_expr(ledger_entry::Column::Verdict, Expr::value(approved.verdict));
        entry.profile_id = approved.profile_id.to_owned();
        entry.profile_version = approved.profile_version.to_owned();
        entry.verdict = approved.verdict.to_owned();
    }
    let updated = update
        .filter(ledger_entry::Column::Id.eq(current.id))
        .filter(ledger_entry::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::conflict(
            "この台帳の項目",
            current.version,
            current.version + 1,
        ));
    }
    recount(
        txn,
        actor.org_id(),
        Some((current.status.as_str(), &current.classification)),
        Some((status, &fields.classification)),
    )
    .await?;
    append_version(
        txn,
        actor,
        &entry,
        VersionRow {
            before: Some(fields_of_entry(current)),
            version,
            kind,
            status,
            fields,
            comment,
            application_id: approved.map(|a| a.application_id),
        },
    )
    .await
}

/// Changes or renews the entry an approved change or renewal application is for, with the
/// fields it was approved with, in the approval's transaction.
pub(crate) async fn apply_approved(
    txn: &DatabaseTransaction,
    actor: &Actor,
    entry_id: i64,
    renewal: bool,
    fields: LedgerFields,
    approved: &Approved<'_>,
) -> Result<(), StoreError> {
    let current = entry_row(txn, actor, entry_id).await?;
    let fields = rules::approved(
        &fields_of_entry(&current),
        current.status == ABOLISHED,
        renewal,
        fields,
    )?;
    let kind = if renewal {
        ChangeKind::Renewed
    } else {
        ChangeKind::Changed
    };
    write_revision(txn, actor, &current, &fields, kind, "", Some(approved)).await
}

/// Registers the ledger entry of an approved application, in the approval's transaction.
pub(crate) async fn register(
    txn: &DatabaseTransaction,
    actor: &Actor,
    fields: LedgerFields,
    approved: &Approved<'_>,
) -> Result<(), StoreError> {
    insert_entry(
        txn,
        actor,
        NewEntry {
            application_id: Some(approved.application_id),
            fields: &fields,
            abolished: false,
            profile_id: approved.profile_id,
            profile_version: approved.profile_version,
            verdict: approved.verdict,
            kind: ChangeKind::Registered,
            comment: "",
        },
    )
    .await
    .map(|_| ())
}

/// A new entry of the ledger, with what it was approved under (empty for one read in from a
/// ledger kept before sentei).
pub(crate) struct NewEntry<'a> {
    pub application_id: Option<i64>,
    pub fields: &'a LedgerFields,
    pub abolished: bool,
    pub profile_id: &'a str,
    pub profile_version: &'a str,
    pub verdict: &'a str,
    pub kind: ChangeKind,
    pub comment: &'a str,
}

/// Inserts an entry and its first version, and counts it; returns its id.
pub(crate) async fn insert_entry(
    txn: &DatabaseTransaction,
    actor: &Actor,
    new: NewEntry<'_>,
) -> Result<i64, StoreError> {
    let fields = new.fields;
    let status = if new.abolished { ABOLISHED } else { ACTIVE };
    let entry = ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        org_id: Set(actor.org_id()),
        application_id: Set(new.application_id),
        version: Set(1),
        status: Set(status.to_owned()),
        service_name: Set(fields.service_name.clone()),
        provider: Set(fields.provider.clone()),
        purpose: Set(fields.purpose.clone()),
        classification: Set(fields.classification.clone()),
        period_start: Set(fields.period_start),
        period_end: Set(fields.period_end),
        applicant_department: Set(fields.applicant_department.clone()),
        applicant_name: Set(fields.applicant_name.clone()),
        user_scope: Set(fields.user_scope.clone()),
        profile_id: Set(new.profile_id.to_owned()),
        profile_version: Set(new.profile_version.to_owned()),
        verdict: Set(new.verdict.to_owned()),
        updated_at: Set(crate::now()),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    recount(
        txn,
        actor.org_id(),
        None,
        Some((status, &fields.classification)),
    )
    .await?;
    append_version(
        txn,
        actor,
        &entry,
        VersionRow {
            before: None,
            version: 1,
            kind: new.kind,
            status,
            fields,
            comment: new.comment,
            application_id: new.application_id,
        },
    )
    .await?;
    Ok(entry.id)
}

struct VersionRow<'a> {
    /// The entry's fields before this version (none for its first), for the trail's summary.
    before: Option<LedgerFields>,
    version: i64,
    kind: ChangeKind,
    status: &'static str,
    fields: &'a LedgerFields,
    comment: &'a str,
    application_id: Option<i64>,
}

async fn append_version(
    txn: &DatabaseTransaction,
    actor: &Actor,
    entry: &ledger_entry::Model,
    row: VersionRow<'_>,
) -> Result<(), StoreError> {
    let f = row.fields;
    ledger_version::Entity::insert(ledger_version::ActiveModel {
        org_id: Set(actor.org_id()),
        entry_id: Set(entry.id),
        version: Set(row.version),
        kind: Set(row.kind.as_str().to_owned()),
        status: Set(row.status.to_owned()),
        service_name: Set(f.service_name.clone()),
        provider: Set(f.provider.clone()),
        purpose: Set(f.purpose.clone()),
        classification: Set(f.classification.clone()),
        period_start: Set(f.period_start),
        period_end: Set(f.period_end),
        applicant_department: Set(f.applicant_department.clone()),
        applicant_name: Set(f.applicant_name.clone()),
        user_scope: Set(f.user_scope.clone()),
        profile_id: Set(entry.profile_id.clone()),
        profile_version: Set(entry.profile_version.clone()),
        verdict: Set(entry.verdict.clone()),
        comment: Set(row.comment.trim().to_owned()),
        recorded_by: Set(actor.user_id()),
        recorded_at: Set(crate::now()),
        application_id: Set(row.application_id),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    audit::append_summarized(
        txn,
        actor,
        &format!("ledger.{}", row.kind.as_str()),
        &format!("ledger:{}", entry.id),
        &json!({ "version": row.version, "status": row.status, "fields": f, "comment": row.comment.trim(), "application": row.application_id }),
        &version_summary(&row),
    )
    .await
}

/// A ledger version for the trail: (ア)–(キ) before → after (all of them for a new entry), and
/// the comment.
fn version_summary(row: &VersionRow<'_>) -> Summary {
    let texts = |f: &LedgerFields| {
        [
            f.service_name.clone(),
            f.provider.clone(),
            f.purpose.clone(),
            f.classification.clone(),
            f.period_start.to_string(),
            f.period_end.to_string(),
            f.applicant_department.clone(),
            f.applicant_name.clone(),
            f.user_scope.clone(),
        ]
    };
    let mut summary = Summary::new();
    summary.value("版", &row.version.to_string());
    let after = texts(row.fields);
    match &row.before {
        Some(before) => {
            for ((heading, was), now) in HEADINGS.iter().zip(texts(before)).zip(&after) {
                summary.change(heading, &was, now);
            }
        }
        None => {
            for (heading, now) in HEADINGS.iter().zip(&after) {
                summary.value(heading, now);
            }
        }
    }
    if !row.comment.trim().is_empty() {
        summary.value("理由・備考", row.comment);
    }
    summary
}

/// Moves one entry from the count of `from` (status, classification) to that of `to`.
async fn recount(
    txn: &DatabaseTransaction,
    org_id: i64,
    from: Option<(&str, &str)>,
    to: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    for (key, delta) in [(from, -1i64), (to, 1)] {
        let Some((status, classification)) = key else {
            continue;
        };
        let updated = ledger_count::Entity::update_many()
            .col_expr(
                ledger_count::Column::Entries,
                Expr::col(ledger_count::Column::Entries).add(delta),
            )
            .filter(ledger_count::Column::OrgId.eq(org_id))
            .filter(ledger_count::Column::Status.eq(status))
            .filter(ledger_count::Column::Classification.eq(classification))
            .exec(txn)
            .await?;
        if updated.rows_affected == 0 {
            ledger_count::Entity::insert(ledger_count::ActiveModel {
                org_id: Set(org_id),
                status: Set(status.to_owned()),
                classification: Set(classification.to_owned()),
                entries: Set(delta),
                ..Default::default()
            })
            .exec(txn)
            .await?;
        }
    }
    Ok(())
}
