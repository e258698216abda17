//! The 外部サービス利用台帳: a table of entries as they stand, and every version appended.
//!
//! Approval registers an entry; extension, change and abolition add versions whose rules are
//! in `sentei_core::ledger`. The current row is rewritten and the version row appended in the
//! same transaction, so the two never disagree. Entries of a ledger kept before sentei are
//! read in by `ledger_import.rs`.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use sentei_core::access::Capability;
use sentei_core::judgement::Verdict;
use sentei_core::ledger::{self as rules, ChangeKind, LedgerFields};
use serde_json::json;
use time::Date;

use crate::entity::{application, assessment, ledger_count, ledger_entry, ledger_version};
use crate::ledger_cache::PageKey;
use crate::services::contains;
use crate::{Actor, Page, Store, StoreError, audit, page_bounds};

const ACTIVE: &str = "active";
const ABOLISHED: &str = "abolished";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntryView {
    pub id: i64,
    pub application_id: Option<i64>,
    pub version: i64,
    pub abolished: bool,
    pub fields: LedgerFields,
    pub profile_id: String,
    pub profile_version: String,
    pub verdict: String,
    pub updated_at: time::OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerVersionView {
    pub version: i64,
    pub kind: ChangeKind,
    pub abolished: bool,
    pub fields: LedgerFields,
    pub comment: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: time::OffsetDateTime,
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct LedgerQuery {
    /// Part of the service or provider name.
    pub search: String,
    /// Exactly this classification label (e.g. 機密性2).
    pub classification: Option<String>,
    /// Include abolished entries.
    pub include_abolished: bool,
    /// Only active entries whose period ends within this many days of `today`.
    pub expiring_within: Option<u16>,
    pub today: Option<Date>,
    pub page: u64,
    pub page_size: u64,
}

impl Store {
    /// Ledger entries of the actor's organization: those expiring first when asking for
    /// expiring ones, otherwise by service name.
    pub async fn ledger(
        &self,
        actor: &Actor,
        query: &LedgerQuery,
    ) -> Result<Page<LedgerEntryView>, StoreError> {
        actor.require(Capability::Read)?;
        let (page, page_size) = page_bounds(query.page, query.page_size);
        let key = PageKey::new(actor.org_id(), query, page, page_size);
        let generation = self.ledger_pages.generation();
        if self.keep_ledger_pages
            && let Some(kept) = self.ledger_pages.get(&key, generation)
        {
            return Ok(kept);
        }
        let (select, expiring) = selected(actor, query)?;
        // A deferred join in one statement: the page's ids are found through the covering
        // index (reading index entries, not table rows, however deep the page), and only those
        // rows are read. The total comes from the maintained counts when the filter is one
        // they answer; it runs at the same time on a second connection.
        let counted = query.search.trim().is_empty() && query.expiring_within.is_none();
        let for_count = select.clone();
        let count = async move {
            if counted {
                let statuses: &[&str] = if query.include_abolished {
                    &[ACTIVE, ABOLISHED]
                } else {
                    &[ACTIVE]
                };
                counted_total(
                    &self.db,
                    actor.org_id(),
                    statuses,
                    query.classification.as_deref(),
                )
                .await
            } else {
                for_count.count(&self.db).await
            }
        };
        let page_ids = in_ledger_order(select, expiring)
            .select_only()
            .column(ledger_entry::Column::Id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .into_query();
        let rows = in_ledger_order(
            ledger_entry::Entity::find().filter(ledger_entry::Column::Id.in_subquery(page_ids)),
            expiring,
        )
        .all(&self.db);
        let (total, rows) = tokio::join!(count, rows);
        let (total, rows) = (total?, rows?);
        let found = Page {
            items: rows.into_iter().map(entry_view).collect(),
            total,
            page,
            page_size,
        };
        if self.keep_ledger_pages {
            self.ledger_pages.put(key, generation, found.clone());
        }
        Ok(found)
    }

    /// Every entry a query selects, in the ledger's order, in one read: for exports of the
    /// whole ledger, where paging by offset would read the start of the index again for
    /// every page. The query's page and page size are ignored.
    pub async fn ledger_export(
        &self,
        actor: &Actor,
        query: &LedgerQuery,
    ) -> Result<Vec<LedgerEntryView>, StoreError> {
        actor.require(Capability::Read)?;
        let (select, expiring) = selected(actor, query)?;
        let rows = in_ledger_order(select, expiring).all(&self.db).await?;
        Ok(rows.into_iter().map(entry_view).collect())
    }

    pub async fn ledger_entry(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<LedgerEntryView, StoreError> {
        actor.require(Capability::Read)?;
        Ok(entry_view(entry_row(&self.db, actor, id).await?))
    }

    /// Every version of an entry, oldest first.
    pub async fn ledger_history(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<LedgerVersionView>, StoreError> {
        actor.require(Capability::Read)?;
        entry_row(&self.db, actor, id).await?;
        ledger_version::Entity::find()
            .filter(ledger_version::Column::EntryId.eq(id))
            .order_by_asc(ledger_version::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| {
                Ok(LedgerVersionView {
                    kind: ChangeKind::parse(&v.kind).ok_or_else(|| {
                        StoreError::Rejected(format!("台帳の変更の種類 `{}` が不明です", v.kind))
                    })?,
                    version: v.version,
                    abolished: v.status == ABOLISHED,
                    fields: fields_of_version(&v),
                    comment: v.comment,
                    recorded_by: v.recorded_by,
                    recorded_at: v.recorded_at,
                })
            })
            .collect()
    }

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
        let status = if kind == ChangeKind::Abolished {
            ABOLISHED
        } else {
            ACTIVE
        };
        let version = current.version + 1;
        let now = crate::now();
        ledger_entry::Entity::update_many()
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
            .col_expr(ledger_entry::Column::UpdatedAt, Expr::value(now))
            .filter(ledger_entry::Column::Id.eq(id))
            .filter(ledger_entry::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        recount(
            &txn,
            actor.org_id(),
            Some((current.status.as_str(), &current.classification)),
            Some((status, &fields.classification)),
        )
        .await?;
        append_version(
            &txn,
            actor,
            &current,
            VersionRow {
                version,
                kind,
                status,
                fields: &fields,
                comment,
            },
        )
        .await?;
        txn.commit().await?;
        self.ledger_pages.changed();
        self.ledger_entry(actor, id).await
    }
}

/// Registers the ledger entry of an approved application, in the approval's transaction.
pub(crate) async fn register(
    txn: &DatabaseTransaction,
    actor: &Actor,
    app: &application::Model,
    fields: LedgerFields,
    assessment: &assessment::Model,
    verdict: Verdict,
) -> Result<(), StoreError> {
    insert_entry(
        txn,
        actor,
        NewEntry {
            application_id: Some(app.id),
            fields: &fields,
            abolished: false,
            profile_id: &assessment.profile_id,
            profile_version: &assessment.profile_version,
            verdict: verdict.as_str(),
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
            version: 1,
            kind: new.kind,
            status,
            fields,
            comment: new.comment,
        },
    )
    .await?;
    Ok(entry.id)
}

struct VersionRow<'a> {
    version: i64,
    kind: ChangeKind,
    status: &'static str,
    fields: &'a LedgerFields,
    comment: &'a str,
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
        ..Default::default()
    })
    .exec(txn)
    .await?;
    audit::append(
        txn,
        actor,
        &format!("ledger.{}", row.kind.as_str()),
        &format!("ledger:{}", entry.id),
        &json!({ "version": row.version, "status": row.status, "fields": f, "comment": row.comment.trim() }),
    )
    .await
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

/// The number of entries in these statuses (and this classification), from the counts.
async fn counted_total(
    db: &sea_orm::DatabaseConnection,
    org_id: i64,
    statuses: &[&str],
    classification: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut counts = ledger_count::Entity::find()
        .filter(ledger_count::Column::OrgId.eq(org_id))
        .filter(ledger_count::Column::Status.is_in(statuses.iter().copied()));
    if let Some(classification) = classification {
        counts = counts.filter(ledger_count::Column::Classification.eq(classification));
    }
    let rows = counts.all(db).await?;
    Ok(rows
        .iter()
        .map(|r| u64::try_from(r.entries).unwrap_or(0))
        .sum())
}

async fn entry_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> Result<ledger_entry::Model, StoreError> {
    ledger_entry::Entity::find_by_id(id)
        .filter(ledger_entry::Column::OrgId.eq(actor.org_id()))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("台帳の項目", id))
}

/// The (ア)–(キ) fields of a row of either ledger table, which share their column names.
macro_rules! fields_of {
    ($row:expr) => {
        LedgerFields {
            service_name: $row.service_name.clone(),
            provider: $row.provider.clone(),
            purpose: $row.purpose.clone(),
            classification: $row.classification.clone(),
            period_start: $row.period_start,
            period_end: $row.period_end,
            applicant_department: $row.applicant_department.clone(),
            applicant_name: $row.applicant_name.clone(),
            user_scope: $row.user_scope.clone(),
        }
    };
}

fn fields_of_entry(e: &ledger_entry::Model) -> LedgerFields {
    fields_of!(e)
}

fn fields_of_version(v: &ledger_version::Model) -> LedgerFields {
    fields_of!(v)
}

/// The entries a query selects, and whether they are the expiring ones (ordered by end).
fn selected(
    actor: &Actor,
    query: &LedgerQuery,
) -> Result<(sea_orm::Select<ledger_entry::Entity>, bool), StoreError> {
    let mut select =
        ledger_entry::Entity::find().filter(ledger_entry::Column::OrgId.eq(actor.org_id()));
    if !query.include_abolished || query.expiring_within.is_some() {
        select = select.filter(ledger_entry::Column::Status.eq(ACTIVE));
    }
    if let Some(classification) = &query.classification {
        select = select.filter(ledger_entry::Column::Classification.eq(classification.as_str()));
    }
    if !query.search.trim().is_empty() {
        select = select.filter(
            Condition::any()
                .add(contains(ledger_entry::Column::ServiceName, &query.search))
                .add(contains(ledger_entry::Column::Provider, &query.search)),
        );
    }
    let expiring = match query.expiring_within {
        Some(days) => {
            let today = query.today.ok_or_else(|| {
                StoreError::Rejected("期限の近い項目を探すには今日の日付が必要です".to_owned())
            })?;
            let last = today.saturating_add(time::Duration::days(i64::from(days)));
            select = select
                .filter(ledger_entry::Column::PeriodEnd.gte(today))
                .filter(ledger_entry::Column::PeriodEnd.lte(last));
            true
        }
        None => false,
    };
    Ok((select, expiring))
}

/// The ledger's order: the entries ending soonest first when asking for expiring ones,
/// otherwise by service name; then by id, so pages never overlap.
fn in_ledger_order(
    select: sea_orm::Select<ledger_entry::Entity>,
    expiring: bool,
) -> sea_orm::Select<ledger_entry::Entity> {
    let select = if expiring {
        select.order_by_asc(ledger_entry::Column::PeriodEnd)
    } else {
        select.order_by_asc(ledger_entry::Column::ServiceName)
    };
    select.order_by_asc(ledger_entry::Column::Id)
}

fn entry_view(e: ledger_entry::Model) -> LedgerEntryView {
    LedgerEntryView {
        fields: fields_of_entry(&e),
        id: e.id,
        application_id: e.application_id,
        version: e.version,
        abolished: e.status == ABOLISHED,
        profile_id: e.profile_id,
        profile_version: e.profile_version,
        verdict: e.verdict,
        updated_at: e.updated_at,
    }
}
