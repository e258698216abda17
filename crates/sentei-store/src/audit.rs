//! Appending to, reading and verifying the audit trail (one hash chain per organization).
//!
//! Readers filter by who acted, what was done and a range of dates (in Japan's time), for the
//! audit page, its CSV export and the API.

use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sentei_core::access::Capability;
use sentei_core::audit::{
    AuditEntry, ChainBreak, ChainSummary, ChainedEntry, GENESIS, Verifier, chain, digest_of,
};

use sentei_core::audit::Summary;
use time::{Date, UtcOffset};

use crate::entity::{audit_record, organization};
use crate::{Actor, Page, Store, StoreError, page_bounds};

/// Records read at a time when verifying, to bound memory on long chains.
const VERIFY_BATCH: u64 = 10_000;

/// Appends an audit record in the caller's transaction. The transaction must come from
/// `Store::begin_write` for the same organization, which serializes appends.
pub(crate) async fn append(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    object: &str,
    change: &serde_json::Value,
) -> Result<(), StoreError> {
    append_as(
        txn,
        actor.org_id(),
        actor.login(),
        action,
        object,
        change,
        None,
    )
    .await
}

/// [`append`] with a summary of the change for people (field: before → after).
pub(crate) async fn append_summarized(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    object: &str,
    change: &serde_json::Value,
    summary: &Summary,
) -> Result<(), StoreError> {
    append_as(
        txn,
        actor.org_id(),
        actor.login(),
        action,
        object,
        change,
        summary.text(),
    )
    .await
}

/// Appends a record for whoever `who` is (a login, or an address for a failed sign-in).
pub(crate) async fn append_as(
    txn: &DatabaseTransaction,
    org_id: i64,
    who: &str,
    action: &str,
    object: &str,
    change: &serde_json::Value,
    summary: Option<String>,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = audit_record::Entity::find()
        .select_only()
        .column(audit_record::Column::Seq)
        .column(audit_record::Column::Hash)
        .filter(audit_record::Column::OrgId.eq(org_id))
        .order_by_desc(audit_record::Column::Seq)
        .into_tuple()
        .one(txn)
        .await?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    let at = crate::now();
    let at_micros = i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
    let record = chain(
        &prev,
        AuditEntry {
            seq,
            at_micros,
            actor: who.to_owned(),
            action: action.to_owned(),
            object: object.to_owned(),
            digest: digest_of(change),
            summary,
        },
    );
    audit_record::Entity::insert(audit_record::ActiveModel {
        org_id: Set(org_id),
        seq: Set(record.entry.seq),
        at_micros: Set(record.entry.at_micros),
        actor: Set(record.entry.actor),
        action: Set(record.entry.action),
        object: Set(record.entry.object),
        digest: Set(record.entry.digest),
        prev_hash: Set(record.prev_hash),
        hash: Set(record.hash),
        // Left out of the statement when there is none, as on records before schema version 6.
        summary: match record.entry.summary {
            Some(summary) => Set(Some(summary)),
            None => NotSet,
        },
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// An audit record for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditView {
    pub seq: i64,
    pub at: time::OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub digest: String,
    pub hash: String,
    /// What changed, in Japanese lines; `None` on records made before summaries.
    pub summary: Option<String>,
}

/// Which records to read: all of these that are given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Who acted, as recorded (a login, `system`, `vendor:3`, `address:…`).
    pub actor: Option<String>,
    /// What was done, as recorded (`user.deactivate`).
    pub action: Option<String>,
    /// From the start of this day in Japan.
    pub from: Option<Date>,
    /// To the end of this day in Japan.
    pub to: Option<Date>,
    pub page: u64,
    pub page_size: u64,
}

/// Most records one export holds; a longer trail is exported a date range at a time.
pub const MAX_AUDIT_EXPORT: u64 = 100_000;

/// Japan's time (JST), in which people give the dates of a range.
const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Microseconds since the epoch at the start of `date` in Japan.
fn day_start_micros(date: Date) -> i64 {
    let at = date.midnight().assume_offset(JST);
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The result of verifying one organization's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgVerification {
    pub org_code: String,
    pub result: Result<ChainSummary, ChainBreak>,
}

impl Store {
    /// Verifies the audit chain of every organization (or of one), reading each in batches so
    /// that memory stays bounded however long the chain.
    pub async fn verify_audit(
        &self,
        org_code: Option<&str>,
    ) -> Result<Vec<OrgVerification>, StoreError> {
        let mut orgs = organization::Entity::find().order_by_asc(organization::Column::Id);
        if let Some(code) = org_code {
            orgs = orgs.filter(organization::Column::Code.eq(code));
        }
        let orgs = orgs.all(&self.db).await?;
        if let (Some(code), true) = (org_code, orgs.is_empty()) {
            return Err(StoreError::not_found("組織", code));
        }
        let mut results = Vec::new();
        for org in orgs {
            let result = self.verify_org(org.id).await?;
            results.push(OrgVerification {
                org_code: org.code,
                result,
            });
        }
        Ok(results)
    }

    async fn verify_org(
        &self,
        org_id: i64,
    ) -> Result<Result<ChainSummary, ChainBreak>, StoreError> {
        let mut verifier = Verifier::default();
        let mut after = 0;
        loop {
            let batch = audit_record::Entity::find()
                .filter(audit_record::Column::OrgId.eq(org_id))
                .filter(audit_record::Column::Seq.gt(after))
                .order_by_asc(audit_record::Column::Seq)
                .limit(VERIFY_BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for record in batch {
                if let Err(broken) = verifier.push(&chained(record)) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(Ok(verifier.summary()))
    }

    /// The audit trail of the actor's organization, newest first.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        page: u64,
        page_size: u64,
    ) -> Result<Page<AuditView>, StoreError> {
        self.audit_search(
            actor,
            &AuditQuery {
                page,
                page_size,
                ..Default::default()
            },
        )
        .await
    }

    /// The records of the actor's organization that the query picks, newest first, a page at
    /// a time.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        query: &AuditQuery,
    ) -> Result<Page<AuditView>, StoreError> {
        actor.require(Capability::ReadAudit)?;
        let (page, page_size) = page_bounds(query.page, query.page_size);
        let select = filtered(actor.org_id(), query)?;
        let total = select.clone().count(&self.db).await?;
        let rows = select
            .order_by_desc(audit_record::Column::Seq)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows.into_iter().map(view).collect(),
            total,
            page,
            page_size,
        })
    }

    /// Every record the query picks (its page ignored), oldest first, for an export; refused
    /// beyond [`MAX_AUDIT_EXPORT`] records.
    pub async fn audit_export(
        &self,
        actor: &Actor,
        query: &AuditQuery,
    ) -> Result<Vec<AuditView>, StoreError> {
        actor.require(Capability::ReadAudit)?;
        let select = filtered(actor.org_id(), query)?;
        let total = select.clone().count(&self.db).await?;
        if total > MAX_AUDIT_EXPORT {
            return Err(StoreError::Rejected(format!(
                "該当する記録が {total} 件あり、一度に書き出せる {MAX_AUDIT_EXPORT} 件を超えています。期間を区切って書き出してください"
            )));
        }
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let batch = select
                .clone()
                .filter(audit_record::Column::Seq.gt(after))
                .order_by_asc(audit_record::Column::Seq)
                .limit(VERIFY_BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            out.extend(batch.into_iter().map(view));
        }
        Ok(out)
    }

    /// Who appears as an actor in the organization's trail, and which actions, for the
    /// filters of the audit page; each sorted.
    pub async fn audit_choices(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<String>, Vec<String>), StoreError> {
        actor.require(Capability::ReadAudit)?;
        let distinct = async |column: audit_record::Column| -> Result<Vec<String>, StoreError> {
            Ok(audit_record::Entity::find()
                .select_only()
                .column(column)
                .distinct()
                .filter(audit_record::Column::OrgId.eq(actor.org_id()))
                .order_by_asc(column)
                .into_tuple::<String>()
                .all(&self.db)
                .await?)
        };
        Ok((
            distinct(audit_record::Column::Actor).await?,
            distinct(audit_record::Column::Action).await?,
        ))
    }
}

/// The organization's records that a query picks, unordered.
fn filtered(
    org_id: i64,
    query: &AuditQuery,
) -> Result<sea_orm::Select<audit_record::Entity>, StoreError> {
    let mut select = audit_record::Entity::find().filter(audit_record::Column::OrgId.eq(org_id));
    if let Some(who) = &query.actor {
        select = select.filter(audit_record::Column::Actor.eq(who.as_str()));
    }
    if let Some(action) = &query.action {
        select = select.filter(audit_record::Column::Action.eq(action.as_str()));
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(StoreError::Rejected(format!(
            "期間の始まり（{from}）が終わり（{to}）より後になっています"
        )));
    }
    if let Some(from) = query.from {
        select = select.filter(audit_record::Column::AtMicros.gte(day_start_micros(from)));
    }
    if let Some(to) = query.to {
        let end = to.next_day().map_or(i64::MAX, day_start_micros);
        select = select.filter(audit_record::Column::AtMicros.lt(end));
    }
    Ok(select)
}

fn view(r: audit_record::Model) -> AuditView {
    AuditView {
        seq: r.seq,
        at: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.at_micros) * 1_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        actor: r.actor,
        action: r.action,
        object: r.object,
        digest: r.digest,
        hash: r.hash,
        summary: r.summary,
    }
}

fn chained(r: audit_record::Model) -> ChainedEntry {
    ChainedEntry {
        entry: AuditEntry {
            seq: r.seq,
            at_micros: r.at_micros,
            actor: r.actor,
            action: r.action,
            object: r.object,
            digest: r.digest,
            summary: r.summary,
        },
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}
