//! Appending to and verifying the audit trail (one hash chain per organization).

use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sentei_core::access::Capability;
use sentei_core::audit::{
    AuditEntry, ChainBreak, ChainSummary, ChainedEntry, GENESIS, Verifier, chain, digest_of,
};

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
    let org_id = actor.org_id();
    let last = audit_record::Entity::find()
        .filter(audit_record::Column::OrgId.eq(org_id))
        .order_by_desc(audit_record::Column::Seq)
        .one(txn)
        .await?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |r| (r.seq + 1, r.hash));
    let at = crate::now();
    let at_micros = i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
    let record = chain(
        &prev,
        AuditEntry {
            seq,
            at_micros,
            actor: actor.login().to_owned(),
            action: action.to_owned(),
            object: object.to_owned(),
            digest: digest_of(change),
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
        actor.require(Capability::ReadAudit)?;
        let (page, page_size) = page_bounds(page, page_size);
        let query = audit_record::Entity::find()
            .filter(audit_record::Column::OrgId.eq(actor.org_id()))
            .order_by_desc(audit_record::Column::Seq);
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .offset((page - 1) * page_size)
            .limit(page_size)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| AuditView {
                    seq: r.seq,
                    at: time::OffsetDateTime::from_unix_timestamp_nanos(
                        i128::from(r.at_micros) * 1_000,
                    )
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                    actor: r.actor,
                    action: r.action,
                    object: r.object,
                    digest: r.digest,
                    hash: r.hash,
                })
                .collect(),
            total,
            page,
            page_size,
        })
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
        },
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}
