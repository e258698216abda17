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
use crate::heads::PublishedHeads;
use crate::row_states::{self, Kind};
use crate::{Actor, Page, Store, StoreError, page_bounds};
use std::collections::{BTreeMap, HashMap};

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

/// Appends a record for whoever `who` is (a login, or an address for a failed sign-in). When
/// the object is a tracked row (a user, a ledger entry, an application, an assessment), the
/// record also carries the row's state as this transaction left it (`row_states`).
pub(crate) async fn append_as(
    txn: &DatabaseTransaction,
    org_id: i64,
    who: &str,
    action: &str,
    object: &str,
    change: &serde_json::Value,
    summary: Option<String>,
) -> Result<(), StoreError> {
    let states = match row_states::snapshot(txn, org_id, object).await? {
        Some(line) => Some(line),
        // A tracked row this change removed (a deleted draft): say so, so that verify expects
        // it absent instead of reporting it removed behind the chain's back.
        None if Kind::of(object).is_some() => Some(sentei_core::row_state::removal_line(object)),
        None => None,
    };
    append_record(txn, org_id, who, action, object, change, summary, states).await
}

/// [`append_summarized`] for a change that also removed tracked rows other than its object
/// (a service deleted with its assessments): the record says each was removed.
pub(crate) async fn append_summarized_removing(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    object: &str,
    change: &serde_json::Value,
    summary: &Summary,
    removed: &[String],
) -> Result<(), StoreError> {
    let lines: Vec<String> = removed
        .iter()
        .map(|o| sentei_core::row_state::removal_line(o))
        .collect();
    append_record(
        txn,
        actor.org_id(),
        actor.login(),
        action,
        object,
        change,
        summary.text(),
        (!lines.is_empty()).then(|| lines.join("\n")),
    )
    .await
}

/// Appends one record, chained after the organization's last.
#[allow(clippy::too_many_arguments)]
async fn append_record(
    txn: &DatabaseTransaction,
    org_id: i64,
    who: &str,
    action: &str,
    object: &str,
    change: &serde_json::Value,
    summary: Option<String>,
    states: Option<String>,
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
            states,
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
        states: match record.entry.states {
            Some(states) => Set(Some(states)),
            None => NotSet,
        },
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// State lines per record of the baseline, so that no record grows large.
const BASELINE_LINES: usize = 500;

/// Records the state of every tracked row of every organization, once, when the chain starts
/// carrying states (schema version 8): from then on each row has a state to compare with, so a
/// row added, changed or removed behind the chain's back shows whenever it was made.
pub(crate) async fn record_row_states(txn: &DatabaseTransaction) -> Result<(), StoreError> {
    for org in organization::Entity::find()
        .order_by_asc(organization::Column::Id)
        .all(txn)
        .await?
    {
        let mut lines = Vec::new();
        let mut counts = Vec::new();
        for kind in Kind::ALL {
            let before = lines.len();
            row_states::each_row(txn, org.id, kind, |row| {
                lines.push(sentei_core::row_state::state_line(&row.object, &row.fields));
            })
            .await?;
            counts.push(format!("{} {} 件", kind.label(), lines.len() - before));
        }
        let chunks = lines.chunks(BASELINE_LINES).count();
        for (n, chunk) in lines.chunks(BASELINE_LINES).enumerate() {
            let mut summary = Summary::new();
            summary.note(&format!(
                "この時点の行の状態を記録しました（{}）",
                counts.join("、")
            ));
            if chunks > 1 {
                summary.note(&format!("{} 件の記録のうち {} 件目", chunks, n + 1));
            }
            let states = chunk.join("\n");
            append_record(
                txn,
                org.id,
                "system",
                "audit.row_states",
                &format!("organization:{}", org.id),
                &serde_json::json!({ "states": states }),
                summary.text(),
                Some(states),
            )
            .await?;
        }
    }
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
    /// Whether the records agree with each other.
    pub result: Result<ChainSummary, ChainBreak>,
    /// Rows that are not as the chain last recorded them (empty when the chain is broken: a
    /// broken chain says nothing reliable about rows).
    pub rows: Vec<RowProblem>,
    /// The comparison with the heads published outside the database, when a head file was
    /// read.
    pub published: Option<PublishedCheck>,
    /// How many users, ledger entries, applications and assessments were compared.
    pub rows_checked: u64,
}

impl OrgVerification {
    /// Whether everything verified: the chain, the rows and the published heads.
    pub fn holds(&self) -> bool {
        self.result.is_ok()
            && self.rows.is_empty()
            && self.published.as_ref().is_none_or(|p| p.problem.is_none())
    }

    /// What did not verify, one sentence each in Japanese: the chain's first break, the
    /// disagreement with the published heads, then each row.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(broken) = &self.result {
            out.push(broken.to_string());
        }
        if let Some(problem) = self.published.as_ref().and_then(|p| p.problem.as_ref()) {
            out.push(problem.to_string());
        }
        out.extend(self.rows.iter().map(ToString::to_string));
        out
    }
}

/// A row that differs from the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The audit object (`user:5`).
    pub object: String,
    /// How people call the row as it is now (利用者 tanaka（田中 一郎）).
    pub label: String,
    pub drift: RowDrift,
}

/// How a row differs from the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowDrift {
    /// Changed since record `seq` recorded its state, without a record; the fields that
    /// changed, in Japanese (empty when they cannot be told).
    Changed { seq: i64, fields: Vec<String> },
    /// The chain never recorded the row: it was added behind the chain's back.
    Unrecorded,
    /// Record `seq` recorded the row, which is no longer there.
    Removed { seq: i64 },
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.drift {
            RowDrift::Changed { seq, fields } if fields.is_empty() => write!(
                f,
                "{}: 記録 {seq} の後に、監査記録のない変更があります（変わった項目は特定できません）",
                self.label
            ),
            RowDrift::Changed { seq, fields } => write!(
                f,
                "{}: 記録 {seq} の後に、監査記録のない変更があります（{}）",
                self.label,
                fields.join("、")
            ),
            RowDrift::Unrecorded => write!(
                f,
                "{}: 監査記録にない行です（監査記録を通さずに追加されています）",
                self.label
            ),
            RowDrift::Removed { seq } => write!(
                f,
                "{}: 記録 {seq} にある行がありません（監査記録を通さずに削除されています）",
                self.label
            ),
        }
    }
}

/// The chain compared with the heads a file published for the organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCheck {
    /// The head file read.
    pub file: std::path::PathBuf,
    /// How many heads it names for the organization, and the newest.
    pub count: usize,
    pub newest: Option<i64>,
    pub problem: Option<HeadProblem>,
}

/// Where the chain disagrees with a published head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadProblem {
    /// Records after `last` were published (up to `published`) and are gone.
    Cut { published: i64, last: i64 },
    /// Record `seq` is there with another hash than was published: the chain was rebuilt.
    Rewritten { seq: i64 },
}

impl std::fmt::Display for HeadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadProblem::Cut { published, last } => write!(
                f,
                "記録 {published} までが書き出されていますが、記録は {last} までしかありません（記録 {} 以降が削除されています）",
                last + 1
            ),
            HeadProblem::Rewritten { seq } => write!(
                f,
                "記録 {seq} のハッシュが書き出された末尾のハッシュと一致しません（その記録までの鎖が作り直されています）"
            ),
        }
    }
}

impl Store {
    /// Verifies the audit chain of every organization (or of one), reading each in batches so
    /// that memory stays bounded however long the chain; compares the rows with the states the
    /// chain recorded, and the chain with the heads in this store's head file, if it writes one.
    pub async fn verify_audit(
        &self,
        org_code: Option<&str>,
    ) -> Result<Vec<OrgVerification>, StoreError> {
        let file = self
            .heads
            .as_ref()
            .and_then(|h| h.file().map(|p| p.to_owned()));
        self.verify_audit_with(org_code, file.as_deref()).await
    }

    /// [`Store::verify_audit`] against the heads published in `head_file` (none when `None`).
    pub async fn verify_audit_with(
        &self,
        org_code: Option<&str>,
        head_file: Option<&std::path::Path>,
    ) -> Result<Vec<OrgVerification>, StoreError> {
        let published = head_file.map(PublishedHeads::read).transpose()?;
        let mut orgs = organization::Entity::find().order_by_asc(organization::Column::Id);
        if let Some(code) = org_code {
            orgs = orgs.filter(organization::Column::Code.eq(code));
        }
        let orgs = orgs.all(&self.db).await?;
        if let (Some(code), true) = (org_code, orgs.is_empty()) {
            return Err(StoreError::not_found("組織", code));
        }
        let mut results = Vec::new();
        for org in &orgs {
            results.push(
                self.verify_org(org.id, &org.code, published.as_ref())
                    .await?,
            );
        }
        // An organization published once and gone now: its whole trail was removed.
        if let (Some(published), None) = (&published, org_code) {
            for (code, heads) in &published.heads {
                if orgs.iter().any(|o| &o.code == code) {
                    continue;
                }
                let newest = heads.keys().next_back().copied();
                results.push(OrgVerification {
                    org_code: code.clone(),
                    result: Ok(Verifier::default().summary()),
                    rows: Vec::new(),
                    rows_checked: 0,
                    published: Some(PublishedCheck {
                        file: published.path.clone(),
                        count: heads.len(),
                        newest,
                        problem: Some(HeadProblem::Cut {
                            published: newest.unwrap_or(0),
                            last: 0,
                        }),
                    }),
                });
            }
        }
        Ok(results)
    }

    async fn verify_org(
        &self,
        org_id: i64,
        org_code: &str,
        published: Option<&PublishedHeads>,
    ) -> Result<OrgVerification, StoreError> {
        let empty = BTreeMap::new();
        // The heads published for this organization (none is an empty set when a file is read).
        let heads = published.map(|p| p.of(org_code).unwrap_or(&empty));
        let mut rewritten = None;
        // The last state line recorded for each row, with the record's number.
        let mut states: HashMap<String, (i64, String)> = HashMap::new();
        let mut verifier = Verifier::default();
        let mut after = 0;
        let broken = 'chain: loop {
            let batch = audit_record::Entity::find()
                .filter(audit_record::Column::OrgId.eq(org_id))
                .filter(audit_record::Column::Seq.gt(after))
                .order_by_asc(audit_record::Column::Seq)
                .limit(VERIFY_BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = batch.last() else {
                break None;
            };
            after = last.seq;
            for record in batch {
                let seq = record.seq;
                if let Some(text) = &record.states {
                    for (object, line) in sentei_core::row_state::lines(text) {
                        if sentei_core::row_state::is_removal(line) {
                            states.remove(object);
                        } else {
                            states.insert(object.to_owned(), (seq, line.to_owned()));
                        }
                    }
                }
                let hash = record.hash.clone();
                if let Err(broken) = verifier.push(&chained(record)) {
                    break 'chain Some(broken);
                }
                if rewritten.is_none()
                    && heads
                        .and_then(|h| h.get(&seq))
                        .is_some_and(|published| published.iter().any(|p| *p != hash))
                {
                    rewritten = Some(seq);
                }
            }
        };
        let summary = verifier.summary();
        let published = published.map(|file| {
            let heads = heads.unwrap_or(&empty);
            let newest = heads.keys().next_back().copied();
            let last = i64::try_from(summary.count).unwrap_or(i64::MAX);
            let problem = match (rewritten, newest) {
                (Some(seq), _) => Some(HeadProblem::Rewritten { seq }),
                (None, Some(newest)) if newest > last && broken.is_none() => {
                    Some(HeadProblem::Cut {
                        published: newest,
                        last,
                    })
                }
                _ => None,
            };
            PublishedCheck {
                file: file.path.clone(),
                count: heads.len(),
                newest,
                problem,
            }
        });
        let (rows, rows_checked) = match broken {
            Some(_) => (Vec::new(), 0),
            None => self.compare_rows(org_id, states).await?,
        };
        Ok(OrgVerification {
            org_code: org_code.to_owned(),
            result: broken.map_or(Ok(summary), Err),
            rows,
            published,
            rows_checked,
        })
    }

    /// Compares every tracked row of the organization with the last state the chain recorded;
    /// returns the rows that differ and how many were compared.
    async fn compare_rows(
        &self,
        org_id: i64,
        mut states: HashMap<String, (i64, String)>,
    ) -> Result<(Vec<RowProblem>, u64), StoreError> {
        use sentei_core::row_state::{StateCheck, compare, field_label};
        let mut problems = Vec::new();
        let mut checked = 0;
        for kind in Kind::ALL {
            row_states::each_row(&self.db, org_id, kind, |row| {
                checked += 1;
                let drift = match states.remove(&row.object) {
                    None => Some(RowDrift::Unrecorded),
                    Some((seq, line)) => match compare(&row.object, &line, &row.fields) {
                        StateCheck::Same => None,
                        StateCheck::Changed(fields) => Some(RowDrift::Changed {
                            seq,
                            fields: fields.iter().map(|f| field_label(f).to_owned()).collect(),
                        }),
                    },
                };
                if let Some(drift) = drift {
                    problems.push(RowProblem {
                        object: row.object,
                        label: row.label,
                        drift,
                    });
                }
            })
            .await?;
        }
        // What is left was recorded and is not there any more.
        let mut removed: Vec<(String, i64)> = states
            .into_iter()
            .map(|(object, (seq, _))| (object, seq))
            .collect();
        removed.sort();
        for (object, seq) in removed {
            let label = match Kind::of(&object) {
                Some((kind, id)) => format!("{} {id}", kind.label()),
                None => object.clone(),
            };
            problems.push(RowProblem {
                object,
                label,
                drift: RowDrift::Removed { seq },
            });
        }
        Ok((problems, checked))
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
            states: r.states,
        },
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}
