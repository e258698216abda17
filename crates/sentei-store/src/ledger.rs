//! The 外部サービス利用台帳: a table of entries as they stand, and every version appended.
//!
//! Approval registers an entry; extension, change, renewal and abolition add versions whose
//! rules are in `sentei_core::ledger`. Expiry is read from the period and today's date. The current row is rewritten and the version row appended in the
//! same transaction, so the two never disagree. This module reads the ledger; its versions are
//! written by `ledger_changes.rs`, and entries of a ledger kept before sentei are read in by
//! `ledger_import.rs`.

use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use sentei_core::access::Capability;
use sentei_core::ledger::{ChangeKind, LedgerFields};
use time::Date;

use crate::entity::{ledger_count, ledger_entry, ledger_version};
use crate::ledger_cache::PageKey;
use crate::services::contains;
use crate::{Actor, Page, Store, StoreError, page_bounds};

pub(crate) const ACTIVE: &str = "active";
pub(crate) const ABOLISHED: &str = "abolished";

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

impl LedgerEntryView {
    /// Whether the entry is in use but its period has ended (期限切れ).
    pub fn is_expired(&self, today: Date) -> bool {
        !self.abolished && self.fields.is_expired(today)
    }

    /// 廃止, 期限切れ or 利用中, as of `today`.
    pub fn state_label(&self, today: Date) -> &'static str {
        sentei_core::ledger::state_label(&self.fields, self.abolished, today)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerVersionView {
    pub version: i64,
    pub kind: ChangeKind,
    /// The approved application the version came from, if any.
    pub application_id: Option<i64>,
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
    /// Only active entries whose period ends within this many days of `today`, or has
    /// already ended (期限切れ), those ending first listed first.
    pub expiring_within: Option<u16>,
    /// Only active entries whose period ended before `today` (期限切れ), ending first first.
    pub expired_only: bool,
    /// Exactly this applicant's department (e.g. 市民課).
    pub department: Option<String>,
    /// The column to order by; `None` is the ledger's own order (see [`LedgerOrder`]).
    pub order: Option<LedgerOrder>,
    /// Largest first, for `order`.
    pub descending: bool,
    pub today: Option<Date>,
    pub page: u64,
    pub page_size: u64,
}

/// A column the ledger can be ordered by, as people sort a table by its headings. Without
/// one, the ledger's own order: ending soonest first when asking for expiring entries,
/// otherwise by service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerOrder {
    Number,
    Service,
    Provider,
    Classification,
    PeriodEnd,
    Department,
}

impl LedgerOrder {
    /// The order named in a page's query (`sort=service`).
    pub fn parse(name: &str) -> Option<LedgerOrder> {
        Some(match name {
            "number" => LedgerOrder::Number,
            "service" => LedgerOrder::Service,
            "provider" => LedgerOrder::Provider,
            "classification" => LedgerOrder::Classification,
            "period" => LedgerOrder::PeriodEnd,
            "department" => LedgerOrder::Department,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            LedgerOrder::Number => "number",
            LedgerOrder::Service => "service",
            LedgerOrder::Provider => "provider",
            LedgerOrder::Classification => "classification",
            LedgerOrder::PeriodEnd => "period",
            LedgerOrder::Department => "department",
        }
    }

    fn column(self) -> ledger_entry::Column {
        match self {
            LedgerOrder::Number => ledger_entry::Column::Id,
            LedgerOrder::Service => ledger_entry::Column::ServiceName,
            LedgerOrder::Provider => ledger_entry::Column::Provider,
            LedgerOrder::Classification => ledger_entry::Column::Classification,
            LedgerOrder::PeriodEnd => ledger_entry::Column::PeriodEnd,
            LedgerOrder::Department => ledger_entry::Column::ApplicantDepartment,
        }
    }
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
        let counted = query.search.trim().is_empty()
            && query.expiring_within.is_none()
            && !query.expired_only
            && query.department.is_none();
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
        let page_ids = in_ledger_order(select, expiring, query)
            .select_only()
            .column(ledger_entry::Column::Id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .into_query();
        let rows = in_ledger_order(
            ledger_entry::Entity::find().filter(ledger_entry::Column::Id.in_subquery(page_ids)),
            expiring,
            query,
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
        let rows = in_ledger_order(select, expiring, query)
            .all(&self.db)
            .await?;
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

    /// The entry an approved application registered, changed or renewed, if any.
    pub async fn ledger_entry_of_application(
        &self,
        actor: &Actor,
        application_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        actor.require(Capability::Read)?;
        Ok(ledger_version::Entity::find()
            .filter(ledger_version::Column::OrgId.eq(actor.org_id()))
            .filter(ledger_version::Column::ApplicationId.eq(application_id))
            .one(&self.db)
            .await?
            .map(|v| v.entry_id))
    }

    /// How many active entries of the actor's organization have expired: their period ended
    /// before `today` (期限切れ, read from the dates, never stored).
    pub async fn ledger_expired_count(
        &self,
        actor: &Actor,
        today: Date,
    ) -> Result<u64, StoreError> {
        actor.require(Capability::Read)?;
        Ok(ledger_entry::Entity::find()
            .filter(ledger_entry::Column::OrgId.eq(actor.org_id()))
            .filter(ledger_entry::Column::Status.eq(ACTIVE))
            .filter(ledger_entry::Column::PeriodEnd.lt(today))
            .count(&self.db)
            .await?)
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
                    application_id: v.application_id,
                    abolished: v.status == ABOLISHED,
                    fields: fields_of_version(&v),
                    comment: v.comment,
                    recorded_by: v.recorded_by,
                    recorded_at: v.recorded_at,
                })
            })
            .collect()
    }
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

pub(crate) async fn entry_row<C: sea_orm::ConnectionTrait>(
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

pub(crate) fn fields_of_entry(e: &ledger_entry::Model) -> LedgerFields {
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
    crate::query_text(&query.search, "検索する文字")?;
    if let Some(classification) = &query.classification {
        crate::query_text(classification, "絞り込みの値")?;
    }
    let mut select =
        ledger_entry::Entity::find().filter(ledger_entry::Column::OrgId.eq(actor.org_id()));
    if !query.include_abolished || query.expiring_within.is_some() || query.expired_only {
        select = select.filter(ledger_entry::Column::Status.eq(ACTIVE));
    }
    if let Some(classification) = &query.classification {
        select = select.filter(ledger_entry::Column::Classification.eq(classification.as_str()));
    }
    if let Some(department) = &query.department {
        crate::query_text(department, "絞り込みの値")?;
        select = select.filter(ledger_entry::Column::ApplicantDepartment.eq(department.as_str()));
    }
    if !query.search.trim().is_empty() {
        select = select.filter(
            Condition::any()
                .add(contains(ledger_entry::Column::ServiceName, &query.search))
                .add(contains(ledger_entry::Column::Provider, &query.search)),
        );
    }
    let today = || {
        query.today.ok_or_else(|| {
            StoreError::Rejected("期限の近い項目を探すには今日の日付が必要です".to_owned())
        })
    };
    if let Some(days) = query.expiring_within {
        let last = today()?.saturating_add(time::Duration::days(i64::from(days)));
        select = select.filter(ledger_entry::Column::PeriodEnd.lte(last));
    }
    if query.expired_only {
        select = select.filter(ledger_entry::Column::PeriodEnd.lt(today()?));
    }
    Ok((
        select,
        query.expiring_within.is_some() || query.expired_only,
    ))
}

/// The ledger's order: by the column asked for; else the entries ending soonest first when
/// asking for expiring ones, otherwise by service name; then by id, so pages never overlap.
fn in_ledger_order(
    select: sea_orm::Select<ledger_entry::Entity>,
    expiring: bool,
    query: &LedgerQuery,
) -> sea_orm::Select<ledger_entry::Entity> {
    let column = match query.order {
        Some(order) => order.column(),
        None if expiring => ledger_entry::Column::PeriodEnd,
        None => ledger_entry::Column::ServiceName,
    };
    let direction = if query.order.is_some() && query.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    select
        .order_by(column, direction.clone())
        .order_by(ledger_entry::Column::Id, direction)
}

impl Store {
    /// The departments that appear in the organization's ledger, for its filter.
    pub async fn ledger_departments(&self, actor: &Actor) -> Result<Vec<String>, StoreError> {
        actor.require(Capability::Read)?;
        let rows: Vec<String> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::ApplicantDepartment)
            .distinct()
            .filter(ledger_entry::Column::OrgId.eq(actor.org_id()))
            .order_by_asc(ledger_entry::Column::ApplicantDepartment)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().filter(|d| !d.trim().is_empty()).collect())
    }
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
