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

use sea_orm::Set;
use sentei_core::input::{Lines, forbidden_character};

use crate::entity::{ledger_entry, ledger_import_preview};
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
/// How long a preview waits to be registered.
pub const PREVIEW_LIFETIME: time::Duration = time::Duration::hours(1);

/// Where imported rows come from: the file's name, reduced to a base name of printable
/// characters (a client names its file as it likes: `../../本物の台帳.xlsx`), and the SHA-256
/// of the bytes read, which the entries' history records beside the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSource {
    name: String,
    digest: String,
}

impl ImportSource {
    pub fn of(name: &str, bytes: &[u8]) -> ImportSource {
        use sha2::{Digest, Sha256};
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let clean: String = base
            .chars()
            .filter(|c| {
                !c.is_control()
                    && forbidden_character(c.encode_utf8(&mut [0; 4]), Lines::One).is_none()
            })
            .take(MAX_SOURCE_CHARS)
            .collect();
        let clean = clean.trim();
        let name = if clean.is_empty() || clean == "." || clean == ".." {
            "送信された台帳".to_owned()
        } else {
            clean.to_owned()
        };
        let digest = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ImportSource { name, digest }
    }

    /// The name to show and record.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SHA-256 of the file, in hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// How the history says where a row came from: the file's name, the row, and the start
    /// of the file's digest.
    fn comment(&self, place: &str) -> String {
        let short: String = self.digest.chars().take(16).collect();
        format!("{} の {place} から取り込み（SHA-256 {short}）", self.name)
    }
}

/// A preview kept on the server, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptPreview {
    /// The id the page's form carries.
    pub token: String,
    pub source: ImportSource,
}
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
    /// on any refusal, none. `source` names the file, for the entries' history. For rows
    /// read in the same request (the command line, the API); a page keeps its preview on the
    /// server instead ([`Store::keep_ledger_import_preview`]).
    pub async fn import_ledger(
        &self,
        actor: &Actor,
        source: &ImportSource,
        rows: &[ImportedEntry],
    ) -> Result<LedgerImportPlan, StoreError> {
        actor.require(Capability::KeepLedger)?;
        check_rows(rows)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let plan = register(&txn, actor, source, rows).await?;
        self.commit(txn, actor.org_id()).await?;
        self.ledger_pages.changed();
        Ok(plan)
    }

    /// Keeps the rows a preview showed, for the one who previewed them, until they register
    /// them ([`Store::apply_ledger_import_preview`]) or an hour passes; returns its id.
    /// Older previews of anyone are forgotten here.
    pub async fn keep_ledger_import_preview(
        &self,
        actor: &Actor,
        source: &ImportSource,
        rows: &[ImportedEntry],
    ) -> Result<KeptPreview, StoreError> {
        actor.require(Capability::KeepLedger)?;
        let user = actor.user()?;
        check_rows(rows)?;
        let rows = serde_json::to_string(rows)
            .map_err(|e| StoreError::Rejected(format!("取り込む内容を保存できません（{e}）")))?;
        let token = crate::random_hex()?;
        let now = crate::now();
        let txn = self.begin_write(actor.org_id()).await?;
        ledger_import_preview::Entity::delete_many()
            .filter(ledger_import_preview::Column::CreatedAt.lt(now - PREVIEW_LIFETIME))
            .exec(&txn)
            .await?;
        ledger_import_preview::Entity::insert(ledger_import_preview::ActiveModel {
            token: Set(token.clone()),
            org_id: Set(actor.org_id()),
            user_id: Set(user),
            file_name: Set(source.name.clone()),
            digest: Set(source.digest.clone()),
            rows: Set(rows),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(KeptPreview {
            token,
            source: source.clone(),
        })
    }

    /// Registers the rows of a preview kept by [`Store::keep_ledger_import_preview`], as the
    /// reader read them from the file, once: only for the one who previewed them, within the
    /// hour. Nothing of the rows or the file comes from the request but the preview's id.
    pub async fn apply_ledger_import_preview(
        &self,
        actor: &Actor,
        token: &str,
    ) -> Result<(ImportSource, LedgerImportPlan), StoreError> {
        actor.require(Capability::KeepLedger)?;
        let user = actor.user()?;
        let gone = || {
            StoreError::NotFound(
                "この確認の内容は見つかりません（登録済みか、1 時間以上たったか、ほかの人のものです）。ファイルをもう一度読み込んでください"
                    .to_owned(),
            )
        };
        if token.len() > 100 {
            return Err(gone());
        }
        let txn = self.begin_write(actor.org_id()).await?;
        let kept = ledger_import_preview::Entity::find()
            .filter(ledger_import_preview::Column::Token.eq(token))
            .filter(ledger_import_preview::Column::OrgId.eq(actor.org_id()))
            .filter(ledger_import_preview::Column::UserId.eq(user))
            .one(&txn)
            .await?
            .filter(|p| crate::now() - p.created_at < PREVIEW_LIFETIME)
            .ok_or_else(gone)?;
        let rows: Vec<ImportedEntry> = serde_json::from_str(&kept.rows)
            .map_err(|e| StoreError::Rejected(format!("取り込む内容を読めません（{e}）")))?;
        check_rows(&rows)?;
        let source = ImportSource {
            name: kept.file_name.clone(),
            digest: kept.digest.clone(),
        };
        let plan = register(&txn, actor, &source, &rows).await?;
        ledger_import_preview::Entity::delete_by_id(kept.id)
            .exec(&txn)
            .await?;
        self.commit(txn, actor.org_id()).await?;
        self.ledger_pages.changed();
        Ok((source, plan))
    }
}

/// Registers the rows not already in the ledger, in the caller's transaction.
async fn register(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    source: &ImportSource,
    rows: &[ImportedEntry],
) -> Result<LedgerImportPlan, StoreError> {
    let mut plan = plan(txn, actor, rows).await?;
    for &index in &plan.create {
        let row = &rows[index];
        let comment = source.comment(&row.place);
        let id = insert_entry(
            txn,
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
    Ok(plan)
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
