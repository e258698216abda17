//! Which fields of users, ledger entries, applications and assessments the audit chain tracks,
//! read the same way when a record is appended and when `sentei audit verify` compares
//! (issue 12, finding 15; the line format is `sentei_core::row_state`).
//!
//! One function per table turns a row into its tracked fields, and both sides call it: the
//! append reads the row inside the writing transaction, after the change, so the state it
//! records is exactly what was committed; the verification reads the rows as they are now.
//! Timestamps are left out (a change without a record always changes something else), and so
//! is nothing that a person decides on: role, department, active, name, password; every field
//! of a ledger entry; an application's status, decision and the exceptions accepted for it; an
//! assessment's document and stored verdict.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sentei_core::row_state::{Field, state_line};

use crate::StoreError;
use crate::entity::{acceptance, application, assessment, ledger_entry, user};

/// Rows read at a time when comparing, to bound memory.
const BATCH: u64 = 1_000;

/// The kinds of row whose state the chain carries, by the prefix of their audit object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Ledger,
    Application,
    Assessment,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [
        Kind::User,
        Kind::Ledger,
        Kind::Application,
        Kind::Assessment,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Ledger => "ledger",
            Kind::Application => "application",
            Kind::Assessment => "assessment",
        }
    }

    /// What people call rows of this kind.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::User => "利用者",
            Kind::Ledger => "台帳の項目",
            Kind::Application => "申請",
            Kind::Assessment => "評価",
        }
    }

    /// The tracked row an audit object names (`user:5`), if any.
    pub(crate) fn of(object: &str) -> Option<(Kind, i64)> {
        let (prefix, id) = object.split_once(':')?;
        let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        Some((kind, id.parse().ok()?))
    }

    pub(crate) fn object(self, id: i64) -> String {
        format!("{}:{id}", self.prefix())
    }
}

/// A row as it is, for the comparison: its audit object, how people call it, its fields.
pub(crate) struct Row {
    pub object: String,
    pub label: String,
    pub fields: Vec<Field>,
}

/// The state line of the row `object` names as it is in `conn` (inside the writing
/// transaction), or `None` when the object is not a tracked row or the row is not in the
/// organization.
pub(crate) async fn snapshot(
    conn: &impl ConnectionTrait,
    org_id: i64,
    object: &str,
) -> Result<Option<String>, StoreError> {
    let Some((kind, id)) = Kind::of(object) else {
        return Ok(None);
    };
    let rows = read(conn, org_id, kind, Some(id), 0).await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|row| state_line(&row.object, &row.fields)))
}

/// Every row of `kind` in the organization, a batch at a time: `visit` is called with each.
pub(crate) async fn each_row(
    conn: &impl ConnectionTrait,
    org_id: i64,
    kind: Kind,
    mut visit: impl FnMut(Row),
) -> Result<(), StoreError> {
    let mut after = 0;
    loop {
        let rows = read(conn, org_id, kind, None, after).await?;
        let Some(last) = rows.last() else { break };
        after = Kind::of(&last.object).map_or(i64::MAX, |(_, id)| id);
        rows.into_iter().for_each(&mut visit);
    }
    Ok(())
}

/// The rows of `kind` in the organization: the one with `id`, or a batch of those after
/// `after` in id order.
async fn read(
    conn: &impl ConnectionTrait,
    org_id: i64,
    kind: Kind,
    id: Option<i64>,
    after: i64,
) -> Result<Vec<Row>, StoreError> {
    macro_rules! select {
        ($entity:ident) => {{
            let mut select = $entity::Entity::find().filter($entity::Column::OrgId.eq(org_id));
            select = match id {
                Some(id) => select.filter($entity::Column::Id.eq(id)),
                None => select
                    .filter($entity::Column::Id.gt(after))
                    .order_by_asc($entity::Column::Id)
                    .limit(BATCH),
            };
            select.all(conn).await?
        }};
    }
    Ok(match kind {
        Kind::User => select!(user)
            .iter()
            .map(|u| Row {
                object: kind.object(u.id),
                label: format!("利用者 {}（{}）", u.login, u.display_name),
                fields: user_fields(u),
            })
            .collect(),
        Kind::Ledger => select!(ledger_entry)
            .iter()
            .map(|e| Row {
                object: kind.object(e.id),
                label: format!("台帳の項目 {}（{}）", e.id, e.service_name),
                fields: ledger_fields(e),
            })
            .collect(),
        Kind::Application => {
            let apps = select!(application);
            let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
            let mut accepted: HashMap<i64, Vec<acceptance::Model>> = HashMap::new();
            if !ids.is_empty() {
                for a in acceptance::Entity::find()
                    .filter(acceptance::Column::ApplicationId.is_in(ids))
                    .order_by_asc(acceptance::Column::Id)
                    .all(conn)
                    .await?
                {
                    accepted.entry(a.application_id).or_default().push(a);
                }
            }
            apps.iter()
                .map(|a| Row {
                    object: kind.object(a.id),
                    label: format!("申請 {}", a.id),
                    fields: application_fields(a, accepted.get(&a.id).map_or(&[], Vec::as_slice)),
                })
                .collect()
        }
        Kind::Assessment => select!(assessment)
            .iter()
            .map(|a| Row {
                object: kind.object(a.id),
                label: format!("評価 {}", a.id),
                fields: assessment_fields(a),
            })
            .collect(),
    })
}

fn user_fields(u: &user::Model) -> Vec<Field> {
    vec![
        ("login", u.login.clone()),
        ("display_name", u.display_name.clone()),
        ("department", u.department.clone()),
        ("role", u.role.clone()),
        ("active", u.active.to_string()),
        // The hash (salted), so that a password set behind the chain's back shows; only a
        // fingerprint of it reaches the trail.
        ("password_hash", u.password_hash.clone()),
        ("email", u.email.clone()),
        ("mail_mode", u.mail_mode.clone()),
    ]
}

fn ledger_fields(e: &ledger_entry::Model) -> Vec<Field> {
    vec![
        ("application_id", optional(e.application_id)),
        ("version", e.version.to_string()),
        ("status", e.status.clone()),
        ("service_name", e.service_name.clone()),
        ("provider", e.provider.clone()),
        ("purpose", e.purpose.clone()),
        ("classification", e.classification.clone()),
        ("period_start", e.period_start.to_string()),
        ("period_end", e.period_end.to_string()),
        ("applicant_department", e.applicant_department.clone()),
        ("applicant_name", e.applicant_name.clone()),
        ("user_scope", e.user_scope.clone()),
        ("profile_id", e.profile_id.clone()),
        ("profile_version", e.profile_version.clone()),
        ("verdict", e.verdict.clone()),
    ]
}

fn application_fields(a: &application::Model, accepted: &[acceptance::Model]) -> Vec<Field> {
    // The exceptions accepted, in the order they were recorded: who, in which role, for which
    // version, why.
    let acceptances = accepted
        .iter()
        .map(|x| {
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                x.id, x.role, x.user_id, x.assessment_version, x.reason
            )
        })
        .collect::<Vec<_>>()
        .join("\u{1e}");
    vec![
        ("service_id", a.service_id.to_string()),
        ("assessment_id", a.assessment_id.to_string()),
        ("applicant_id", a.applicant_id.to_string()),
        ("department", a.department.clone()),
        ("purpose", a.purpose.clone()),
        ("user_scope", a.user_scope.clone()),
        ("period_start", a.period_start.to_string()),
        ("period_end", a.period_end.to_string()),
        ("status", a.status.clone()),
        ("version", a.version.to_string()),
        ("kind", a.kind.clone()),
        ("ledger_entry_id", optional(a.ledger_entry_id)),
        ("pinned_version", optional(a.pinned_version)),
        (
            "pinned_profile_id",
            a.pinned_profile_id.clone().unwrap_or_default(),
        ),
        (
            "pinned_profile_version",
            a.pinned_profile_version.clone().unwrap_or_default(),
        ),
        (
            "pinned_verdict",
            a.pinned_verdict.clone().unwrap_or_default(),
        ),
        (
            "pinned_judgement",
            a.pinned_judgement.clone().unwrap_or_default(),
        ),
        ("acceptances", acceptances),
    ]
}

fn assessment_fields(a: &assessment::Model) -> Vec<Field> {
    vec![
        ("service_id", a.service_id.to_string()),
        ("profile_id", a.profile_id.clone()),
        ("profile_version", a.profile_version.clone()),
        ("document", a.document.clone()),
        ("version", a.version.to_string()),
        ("verdict", a.verdict.clone()),
        ("judgement", a.judgement.clone()),
        ("department", a.department.clone()),
        ("updated_by", a.updated_by.to_string()),
    ]
}

/// An optional id as text: empty when there is none.
fn optional(id: Option<i64>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}
