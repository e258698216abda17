//! Registering the entries of a ledger kept before sentei (read from CSV or Excel by
//! sentei-exchange), all in one transaction.
//!
//! An entry already in the ledger (the same by `LedgerFields::identity`) is not registered
//! twice: it is listed as already there, so reading the same file again creates nothing. Imported entries have no application or assessment in sentei;
//! their first version is of kind `imported`, with the file and row in its comment.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sentei_core::access::Capability;
use sentei_core::ledger::{
    ChangeKind, EntryIdentity, ImportedEntry, LedgerRefusal, MAX_IMPORTED_ENTRIES,
};
use time::Date;

use crate::entity::ledger_entry;
use crate::ledger_changes::{NewEntry, insert_entry};
use crate::{Actor, Store, StoreError};

/// What reading in a ledger file does (or did): the rows registered as new entries, and the
/// rows already in the ledger, with that entry's number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerImportPlan {
    /// Indexes into the rows given, of the entries to create.
    pub create: Vec<usize>,
    /// (index into the rows given, the id of the entry already in the ledger).
    pub existing: Vec<(usize, i64)>,
    /// The ids of the entries created, in the order of `create`; empty for a dry run.
    pub created_ids: Vec<i64>,
}

/// Longest file name kept in the history.
const MAX_SOURCE_CHARS: usize = 200;
/// Names compared per query when looking for entries already in the ledger.
const NAMES_PER_QUERY: usize = 500;

impl Store {
    /// What [`Store::import_ledger`] would do with these rows, changing nothing.
    pub async fn plan_ledger_import(
        &self,
        actor: &Actor,
        rows: &[ImportedEntry],
    ) -> Result<LedgerImportPlan, StoreError> {
        actor.require(Capability::KeepLedger)?;
        check_rows(rows)?;
        plan(&self.db, actor, rows).await
    }

    /// Registers every row not already in the ledger, in one transaction: all of them or,
    /// on any refusal, none. `source` names the file, for the entries' history.
    pub async fn import_ledger(
        &self,
        actor: &Actor,
        source: &str,
        rows: &[ImportedEntry],
    ) -> Result<LedgerImportPlan, StoreError> {
        actor.require(Capability::KeepLedger)?;
        check_rows(rows)?;
        let source: String = source.trim().chars().take(MAX_SOURCE_CHARS).collect();
        let txn = self.begin_write(actor.org_id()).await?;
        let mut plan = plan(&txn, actor, rows).await?;
        for &index in &plan.create {
            let row = &rows[index];
            let comment = format!("{source} の {} から取り込み", row.place);
            let id = insert_entry(
                &txn,
                actor,
                NewEntry {
                    application_id: None,
                    fields: &row.fields,
                    abolished: row.abolished,
                    profile_id: "",
                    profile_version: "",
                    verdict: "",
                    kind: ChangeKind::Imported,
                    comment: &comment,
                },
            )
            .await?;
            plan.created_ids.push(id);
        }
        txn.commit().await?;
        self.ledger_pages.changed();
        Ok(plan)
    }
}

/// Refuses the whole set when any row is invalid or the set is too large; the rows come from
/// a form or a request and are checked again here, whatever checked them before.
fn check_rows(rows: &[ImportedEntry]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Err(StoreError::Rejected(
            "取り込む台帳の項目がありません".to_owned(),
        ));
    }
    if rows.len() > MAX_IMPORTED_ENTRIES {
        return Err(StoreError::Rejected(format!(
            "1 回に取り込めるのは {MAX_IMPORTED_ENTRIES} 件までです（{} 件あります）",
            rows.len()
        )));
    }
    let mut problems = Vec::new();
    for row in rows {
        if let Err(refusal) = row.fields.validate() {
            let message = match refusal {
                LedgerRefusal::Invalid { problems } => problems
                    .iter()
                    .map(|p| p.message.clone())
                    .collect::<Vec<_>>()
                    .join("、"),
                other => other.to_string(),
            };
            problems.push(format!("{}: {message}", row.place));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Rejected(problems.join("\n")))
    }
}

async fn plan<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    rows: &[ImportedEntry],
) -> Result<LedgerImportPlan, StoreError> {
    let existing = existing_keys(db, actor.org_id(), rows).await?;
    let mut plan = LedgerImportPlan::default();
    let mut in_file: HashMap<EntryIdentity, usize> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        let key = row.fields.identity();
        if let Some(id) = existing.get(&key) {
            plan.existing.push((index, *id));
        } else if let Some(first) = in_file.get(&key) {
            return Err(StoreError::Rejected(format!(
                "{} は {} と同じ項目です",
                row.place, rows[*first].place
            )));
        } else {
            in_file.insert(key, index);
            plan.create.push(index);
        }
    }
    Ok(plan)
}

/// The entries of the organization that are the same as one of the rows, by identity.
async fn existing_keys<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    rows: &[ImportedEntry],
) -> Result<HashMap<EntryIdentity, i64>, StoreError> {
    let mut names: Vec<&str> = rows
        .iter()
        .map(|r| r.fields.service_name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut found = HashMap::new();
    for chunk in names.chunks(NAMES_PER_QUERY) {
        let matches: Vec<(i64, String, String, Date, String)> = ledger_entry::Entity::find()
            .select_only()
            .columns([
                ledger_entry::Column::Id,
                ledger_entry::Column::ServiceName,
                ledger_entry::Column::Provider,
                ledger_entry::Column::PeriodStart,
                ledger_entry::Column::ApplicantDepartment,
            ])
            .filter(ledger_entry::Column::OrgId.eq(org_id))
            .filter(ledger_entry::Column::ServiceName.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name, provider, start, department) in matches {
            let identity = EntryIdentity {
                service_name: name,
                provider,
                period_start: start,
                applicant_department: department,
            };
            found.entry(identity).or_insert(id);
        }
    }
    Ok(found)
}
